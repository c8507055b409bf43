/**
 * Absolute links for mails. The app's public origin is AUTH_URL when set
 * (set it in production); otherwise the origin the request came to (its Host,
 * and the scheme the connection or a trusted proxy says), and for mails
 * sent outside a request (notifications) the address the server listens on.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";
import { authSecret } from "@/server/auth/secret";
import { ownOrigin } from "@/server/http";
import { currentPeer } from "@/server/http/peer";

export function publicOrigin(headers?: Headers): string {
  const configured = env().AUTH_URL;
  if (configured) return new URL(configured).origin;
  if (headers?.get("host")) {
    return ownOrigin({
      method: "GET",
      url: new URL(`http://${headers.get("host")}`),
      headers,
      peer: currentPeer(),
    });
  }
  const { HOST, PORT } = env();
  return `http://${HOST}:${PORT}`;
}

const unsubscribeSignature = (userId: string) =>
  createHmac("sha256", authSecret()).update(`unsubscribe:${userId}`).digest("base64url");

/** A link that stops notification mails for one person, signed so nobody can stop anyone else's. */
export function unsubscribeLink(origin: string, userId: string): string {
  return `${origin}/unsubscribe?u=${userId}&t=${unsubscribeSignature(userId)}`;
}

export function unsubscribeSignatureHolds(userId: string, signature: string): boolean {
  const expected = Buffer.from(unsubscribeSignature(userId));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
