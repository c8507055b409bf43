/**
 * Callers of the real AppRouter for integration tests: server-side callers
 * with a context like the HTTP one (session user, API token or nobody),
 * plus helpers that set up people and workspaces through the API itself.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import { createRequestContext } from "@/server/context";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory, createContextInner } from "@/server/trpc";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface TestUser {
  id: string;
  email: string;
  name: string;
  /** Calls as this user through a session. */
  api: Caller;
  /** Calls as this user, with an abort signal that ends its subscriptions. */
  withSignal(signal: AbortSignal): Caller;
}

/** Calls with no credentials. */
export function anonymous(db: Db, headers = new Headers()): Caller {
  return createCaller(createContextInner({ db, headers }));
}

/**
 * Calls as if the session cookie of `user` came with the request. A server-side
 * caller's subscriptions end only through the signal given here.
 */
export function asUser(
  db: Db,
  user: { id: string; email: string; name: string },
  options: { headers?: Headers; signal?: AbortSignal } = {},
): Caller {
  const context = createContextInner({
    db,
    headers: options.headers ?? new Headers(),
    user,
    authentication: { kind: "session" },
  });
  return createCaller(context, { signal: options.signal });
}

/** Calls with `Authorization: Bearer <token>`, resolved exactly as over HTTP. */
export async function withToken(db: Db, token: string, signal?: AbortSignal): Promise<Caller> {
  const headers = new Headers({ authorization: `Bearer ${token}` });
  return createCaller(await createRequestContext(headers, { db, session: async () => null }), {
    signal,
  });
}

let counter = 0;
/** Signs up a new person through auth.signUp. */
export async function newUser(db: Db, name = `Person ${++counter}`): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}.${randomUUID().slice(0, 8)}@example.test`;
  const { userId } = await anonymous(db).auth.signUp({
    email,
    name,
    password: "correct horse battery staple",
  });
  const user = { id: userId, email, name };
  return { ...user, api: asUser(db, user), withSignal: (signal) => asUser(db, user, { signal }) };
}

/** A workspace owned by `owner`, with `members` joined through an invite. */
export async function newWorkspace(
  owner: TestUser,
  members: TestUser[] = [],
  name = "Test workspace",
) {
  const workspace = await owner.api.workspace.create({ name });
  if (members.length > 0) {
    const { code } = await owner.api.workspace.createInvite({ workspaceId: workspace.id });
    for (const member of members) await member.api.workspace.join({ code });
  }
  return workspace;
}
