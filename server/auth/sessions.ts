/**
 * Server-side browser sessions. The session cookie is a JWT that names a
 * row of user_sessions (its `sid`); the jwt callback (server/auth/config.ts)
 * accepts the cookie only while that row exists and has not expired. So
 * signing out deletes one row and ends that session everywhere it was
 * copied; "sign out everywhere" and a password change delete the rest.
 *
 * Valid sessions are cached for a few seconds, like API tokens, so a busy tab
 * does not pay a query per request; an ending rings the bus ("sessions"),
 * which clears the entries on every instance at once.
 */
import { and, eq, gt, ne, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Db } from "@/db/client";
import { userSessions } from "@/db/schema";
import { processSingleton } from "@/lib/singleton";
import type { ChangeSet } from "@/server/changes";
import { topics } from "@/server/realtime/bus";
import { bus } from "@/server/realtime/process-bus";

/** A session lasts this long after it was last used (the JWT's maxAge too). */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;
// Extending the row's expiry is written at most once a day per session.
const EXTEND_AFTER_MS = 24 * 60 * 60 * 1000;
const CACHE_MS = 10_000;

const cache = processSingleton("auth:session-cache", () => {
  const entries = new LRUCache<string, { userId: string }>({ max: 50_000, ttl: CACHE_MS });
  bus().subscribe(topics.sessions, ({ sessionIds }) => {
    for (const id of sessionIds) entries.delete(id);
  });
  // Rings may have been lost while the bus was away: ask the database again.
  bus().subscribe(topics.reconnected, () => entries.clear());
  return entries;
});

const expiry = () => new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000);

/** Records a new session for a person who just signed in; returns its id. */
export async function startSession(db: Db, userId: string): Promise<string> {
  // Expired rows are already invalid; a sign-in clears the person's old ones.
  await db
    .delete(userSessions)
    .where(and(eq(userSessions.userId, userId), sql`${userSessions.expiresAt} <= now()`));
  const [row] = await db
    .insert(userSessions)
    .values({ userId, expiresAt: expiry() })
    .returning({ id: userSessions.id });
  return (row as { id: string }).id;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a session is still valid (and belongs to `userId`); extends it when it is used. */
export async function sessionIsActive(db: Db, sessionId: string, userId?: string) {
  if (!UUID.test(sessionId)) return false;
  const cached = cache.get(sessionId);
  if (cached) return userId === undefined || cached.userId === userId;
  const [row] = await db
    .select({ userId: userSessions.userId, expiresAt: userSessions.expiresAt })
    .from(userSessions)
    .where(and(eq(userSessions.id, sessionId), gt(userSessions.expiresAt, sql`now()`)))
    .limit(1);
  if (!row || (userId !== undefined && row.userId !== userId)) return false;
  if (row.expiresAt.getTime() - Date.now() < SESSION_MAX_AGE_SECONDS * 1000 - EXTEND_AFTER_MS) {
    void db
      .update(userSessions)
      .set({ expiresAt: expiry() })
      .where(eq(userSessions.id, sessionId))
      .catch(() => {});
  }
  cache.set(sessionId, { userId: row.userId });
  return true;
}

function ended(changes: ChangeSet, userId: string, sessionIds: string[]) {
  for (const id of sessionIds) cache.delete(id);
  if (sessionIds.length > 0) changes.add({ type: "sessionsEnded", userId, sessionIds });
}

/** Ends one session (signing out). */
export async function endSession(db: Db, changes: ChangeSet, sessionId: string) {
  if (!UUID.test(sessionId)) return;
  const rows = await db
    .delete(userSessions)
    .where(eq(userSessions.id, sessionId))
    .returning({ id: userSessions.id, userId: userSessions.userId });
  const userId = rows[0]?.userId;
  if (userId) ended(changes, userId, [sessionId]);
}

/** Ends every session of a person, or every one but `except` (the caller's own). */
export async function endSessions(
  db: Db,
  changes: ChangeSet,
  userId: string,
  options: { except?: string } = {},
): Promise<number> {
  const rows = await db
    .delete(userSessions)
    .where(
      and(
        eq(userSessions.userId, userId),
        options.except ? ne(userSessions.id, options.except) : undefined,
      ),
    )
    .returning({ id: userSessions.id });
  ended(
    changes,
    userId,
    rows.map((row) => row.id),
  );
  return rows.length;
}
