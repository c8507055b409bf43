/**
 * The session cookie and the checks every session passes, in one place for
 * every way a request arrives: Auth.js's own callbacks (server/auth/config.ts:
 * sign-in pages, its session endpoint) and the tRPC context
 * (server/context.ts), which runs both under Next.js and in the Node server
 * where Auth.js's `auth()` cannot run. So a cookie is accepted or refused by
 * the same code whichever server reads it.
 *
 * Reading it the way Auth.js does: the cookie is `authjs.session-token`
 * (`__Secure-` in front when served over TLS, Auth.js's useSecureCookies),
 * possibly split into `.0`, `.1`, … chunks; it is an encrypted JWT keyed by
 * the secret with the cookie's name as salt (`decode` from next-auth/jwt,
 * Auth.js's own). A session is good only while its server-side row is
 * (server/auth/sessions.ts); when the row cannot be read the session is
 * "unverified" — neither good nor refused — and the caller is told to retry.
 */
import type { Session } from "next-auth";
import { decode, type JWT } from "next-auth/jwt";
import type { Db } from "@/db/client";
import { processSingleton } from "@/lib/singleton";
import { log } from "@/server/log";
import { authSecret } from "./secret";
import { sessionIsActive } from "./sessions";

export const sessionCookieName = (tls: boolean) => `${tls ? "__Secure-" : ""}authjs.session-token`;

/**
 * The jwt callback for a cookie that already exists (not a fresh sign-in):
 * the claims to keep, or null to refuse (and clear) the cookie.
 */
export async function checkSessionClaims(db: Db, token: JWT): Promise<JWT | null> {
  const sid = typeof token.sid === "string" ? token.sid : undefined;
  delete token.unverified;
  if (!token.sub || !sid) return null;
  try {
    if (!(await sessionIsActive(db, sid, token.sub))) return null;
  } catch {
    // The database is unreachable: a good cookie must not be taken for a bad
    // one (and cleared); the request is answered "try again" instead.
    token.unverified = true;
  }
  return token;
}

/** The session callback: what a session says, from its checked claims. */
export function sessionFromClaims(session: Session, token: JWT): Session {
  if (token.sub && session.user) session.user.id = token.sub;
  if (typeof token.sid === "string") session.sessionId = token.sid;
  if (token.unverified) session.unverified = true;
  return session;
}

// Per process, also across the two module copies the Node server and Next's bundle hold.
const quiet = processSingleton("auth:unverifiable-cookies", () => ({ until: 0, suppressed: 0 }));

/**
 * A cookie that does not verify (a rotated secret, a forged or truncated
 * cookie) is noise anyone can cause, not a fault: one line a minute at most,
 * without a stack.
 */
export function noteUnverifiableCookie(): void {
  const now = Date.now();
  if (now < quiet.until) {
    quiet.suppressed++;
    return;
  }
  log().warn(
    { kind: "JWTSessionError", suppressedSinceLast: quiet.suppressed },
    "a session cookie did not verify and was cleared",
  );
  quiet.until = now + 60_000;
  quiet.suppressed = 0;
}

/** The cookie's value, joined from its chunks in order as Auth.js writes them. */
function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  const chunks: [number, string][] = [];
  for (const pair of header.split(";")) {
    const split = pair.indexOf("=");
    if (split < 0) continue;
    const key = pair.slice(0, split).trim();
    const order =
      key === name ? -1 : key.startsWith(`${name}.`) ? Number(key.slice(name.length + 1)) : NaN;
    if (Number.isNaN(order)) continue;
    let value = pair.slice(split + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      if (value.includes("%")) value = decodeURIComponent(value);
    } catch {
      // Kept as sent: decoding fails below and the cookie counts as unverifiable.
    }
    if (value) chunks.push([order, value]);
  }
  if (chunks.length === 0) return undefined;
  return chunks
    .sort((a, b) => a[0] - b[0])
    .map(([, value]) => value)
    .join("");
}

/**
 * The session a request's Cookie header carries, checked as Auth.js's
 * callbacks check it; null without one or when it is refused.
 */
export async function sessionFromCookies(
  db: Db,
  cookieHeader: string | null,
  tls: boolean,
): Promise<Session | null> {
  const name = sessionCookieName(tls);
  const value = cookieValue(cookieHeader, name);
  if (!value) return null;
  let claims: JWT | null;
  try {
    claims = await decode({ token: value, secret: authSecret(), salt: name });
  } catch {
    claims = null;
  }
  if (!claims) {
    noteUnverifiableCookie();
    return null;
  }
  const token = await checkSessionClaims(db, claims);
  if (!token) return null;
  return sessionFromClaims(
    {
      user: { name: token.name, email: token.email, image: token.picture },
      expires: new Date((token.exp ?? 0) * 1000).toISOString(),
    },
    token,
  );
}
