/**
 * Builds the tRPC context of a request: the signed-in user from an
 * `Authorization: Bearer <token>` API token or, without one, from the
 * next-auth session cookie.
 */
import type { Session } from "next-auth";
import { type Db, getDb } from "@/db/client";
import { auth } from "./auth/config";
import { userForToken } from "./tokens/read";
import { type Context, createContextInner } from "./trpc";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** `db` and `session` default to the process's database and the next-auth cookie; tests pass their own. */
export async function createRequestContext(
  headers: Headers,
  resHeaders?: Headers,
  db?: Db,
  session: () => Promise<Session | null> = auth,
): Promise<Context> {
  db ??= await getDb();
  const authorization = headers.get("authorization");
  if (authorization) {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) {
      return createContextInner({
        db,
        headers,
        resHeaders,
        authProblem: 'The Authorization header must be "Bearer <token>".',
      });
    }
    const lookup = await userForToken(db, token);
    if (!lookup)
      return createContextInner({
        db,
        headers,
        resHeaders,
        authProblem: "This API token is not valid.",
      });
    if ("revoked" in lookup) {
      return createContextInner({
        db,
        headers,
        resHeaders,
        authProblem: "This API token was revoked; create a new one.",
      });
    }
    return createContextInner({
      db,
      headers,
      resHeaders,
      user: lookup.user,
      authentication: { kind: "token", tokenId: lookup.tokenId },
    });
  }
  const user = (await session())?.user;
  if (!user?.id) return createContextInner({ db, headers, resHeaders });
  return createContextInner({
    db,
    headers,
    resHeaders,
    user: { id: user.id, email: user.email ?? "", name: user.name ?? "" },
    authentication: { kind: "session" },
  });
}
