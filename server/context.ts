/**
 * Builds the tRPC context of a request: the signed-in user from an
 * `Authorization: Bearer <token>` API token or, without one, from the
 * next-auth session cookie (valid only while its server-side session is),
 * read by server/auth/session-cookie.ts whichever server the request came to.
 */
import type { Session } from "next-auth";
import { type Db, getDb } from "@/db/client";
import { sessionFromCookies } from "./auth/session-cookie";
import { servedOverTls } from "./http";
import { currentPeer } from "./http/peer";
import { userForToken } from "./tokens/read";
import { type Context, createContextInner } from "./trpc";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export interface RequestContextOptions {
  /** Where procedures may set response headers. */
  resHeaders?: Headers;
  /** The client's per-address rate-limit bucket (server/http's rateLimitAddress). */
  clientAddress?: string | null;
  /** Defaults to the process's database; tests pass their own. */
  db?: Db;
  /**
   * Whether the request came over TLS, which names the session cookie
   * (server/http's servedOverTls); defaults to the current request's peer
   * as recorded under Next.js.
   */
  tls?: boolean;
  /** Defaults to the session cookie of `headers`; tests pass their own. */
  session?: () => Promise<Session | null>;
}

export async function createRequestContext(
  headers: Headers,
  options: RequestContextOptions = {},
): Promise<Context> {
  const db = options.db ?? (await getDb());
  const base = {
    db,
    headers,
    resHeaders: options.resHeaders,
    clientAddress: options.clientAddress ?? null,
  };
  const authorization = headers.get("authorization");
  if (authorization) {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) {
      return createContextInner({
        ...base,
        authProblem: 'The Authorization header must be "Bearer <token>".',
      });
    }
    const lookup = await userForToken(db, token);
    if (!lookup)
      return createContextInner({ ...base, authProblem: "This API token is not valid." });
    if ("revoked" in lookup) {
      return createContextInner({
        ...base,
        authProblem: "This API token was revoked; create a new one.",
      });
    }
    return createContextInner({
      ...base,
      user: lookup.user,
      authentication: { kind: "token", tokenId: lookup.tokenId },
    });
  }
  const session = options.session
    ? await options.session()
    : await sessionFromCookies(
        db,
        headers.get("cookie"),
        options.tls ?? servedOverTls({ peer: currentPeer() }),
      );
  const user = session?.user;
  if (session?.unverified) return createContextInner({ ...base, sessionUnverified: true });
  if (!session || !user?.id) return createContextInner(base);
  return createContextInner({
    ...base,
    user: { id: user.id, email: user.email ?? "", name: user.name ?? "" },
    authentication: { kind: "session", sessionId: session.sessionId },
  });
}
