/** Following threads and reading them. */
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { messages, threadFollows } from "@/db/schema";
import type { ChangeSet } from "@/server/changes";

/** Follows (or stops following) a thread; a new follower has read nothing of it yet. */
export async function followThread(
  db: Db,
  changes: ChangeSet,
  userId: string,
  rootId: string,
  following: boolean,
) {
  await db
    .insert(threadFollows)
    .values({ rootId, userId, following })
    .onConflictDoUpdate({
      target: [threadFollows.rootId, threadFollows.userId],
      set: { following, updatedAt: sql`now()` },
    });
  changes.sidebar([userId], { threads: true });
  return { rootId, following };
}

/**
 * Moves the person's read position in a thread forward to `sequence`
 * (capped at the thread's last reply). Reading a thread does not follow it.
 */
export async function markThreadRead(
  db: Db,
  changes: ChangeSet,
  userId: string,
  rootId: string,
  sequence: number,
) {
  const last = sql`(SELECT coalesce(max(${messages.sequence}), 0) FROM ${messages} WHERE ${messages.parentId} = ${rootId})`;
  const [row] = await db
    .insert(threadFollows)
    .values({
      rootId,
      userId,
      following: false,
      lastReadSequence: sql`LEAST(${sequence}::int, ${last})`,
    })
    .onConflictDoUpdate({
      target: [threadFollows.rootId, threadFollows.userId],
      set: {
        lastReadSequence: sql`GREATEST(${threadFollows.lastReadSequence}, LEAST(${sequence}::int, ${last}))`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ lastReadSequence: threadFollows.lastReadSequence });
  changes.sidebar([userId], { threads: true, activity: true });
  return { rootId, lastReadSequence: row?.lastReadSequence ?? 0 };
}
