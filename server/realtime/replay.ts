/** Reading recorded changes back from PostgreSQL: the source of truth for every resume and gap. */
import { and, asc, eq, gt, inArray, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { messageEvents, messages } from "@/db/schema";
import { storageOf } from "@/db/targets";
import type { Target } from "@/lib/target";
import { isoTime } from "@/lib/time";
import { readMessages, threadSummaries } from "@/server/messages/read";
import type { MessageEvent } from "./events";

/** The target's latest revision (0 for a target without changes), or null if it does not exist. */
export async function currentRevision(db: Db, target: Target): Promise<number | null> {
  const stored = storageOf(target);
  const [row] = await db
    .select({ revision: stored.lastRevision })
    .from(stored.table)
    .where(eq(stored.id, target.id));
  return row ? row.revision : null;
}

/**
 * Events with revision in (after, upTo], ascending, at most `limit`. Each
 * carries the message's current state, which is what a client converges to
 * anyway when it applies the events in order.
 */
export async function readEvents(
  db: Db,
  target: Target,
  after: number,
  options: { upTo?: number; limit?: number } = {},
): Promise<MessageEvent[]> {
  const conditions = [
    eq(storageOf(target).eventTarget, target.id),
    gt(messageEvents.revision, after),
  ];
  if (options.upTo !== undefined) conditions.push(lte(messageEvents.revision, options.upTo));
  const rows = await db
    .select({
      revision: messageEvents.revision,
      kind: messageEvents.kind,
      messageId: messageEvents.messageId,
      actorId: messageEvents.actorId,
      emoji: messageEvents.emoji,
      createdAt: messageEvents.createdAt,
    })
    .from(messageEvents)
    .where(and(...conditions))
    .orderBy(asc(messageEvents.revision))
    .limit(options.limit ?? 500);
  if (rows.length === 0) return [];
  const views = await readMessages(
    db,
    inArray(messages.id, [...new Set(rows.map((row) => row.messageId))]),
  );
  const byId = new Map(views.map((view) => [view.id, view]));
  const threads = await threadSummaries(db, [
    ...new Set(views.flatMap((view) => (view.parentId ? [view.parentId] : []))),
  ]);
  return rows.flatMap((row) => {
    const message = byId.get(row.messageId);
    if (!message) return [];
    return [
      {
        type: row.kind,
        position: row.revision,
        channelId: message.channelId,
        conversationId: message.conversationId,
        message,
        reaction: row.emoji ? { emoji: row.emoji, userId: row.actorId } : null,
        actorId: row.actorId,
        at: isoTime(row.createdAt),
        thread: message.parentId ? (threads.get(message.parentId) ?? null) : null,
      },
    ];
  });
}
