/**
 * The exact counts behind every badge, as SQL fragments that the sidebar
 * lists and the read-position writes share: unread is other people's
 * undeleted messages in the timeline after a read position (a thread's
 * replies count in the thread, not the channel, unless also sent to the
 * channel); mentions are mentions of the user in those messages. Both are
 * index range scans.
 */
import { type SQL, sql } from "drizzle-orm";
import { mentions, messages } from "@/db/schema";
import { storageOf } from "@/db/targets";
import type { TargetKind } from "@/lib/target";

/** A message shown in its channel's timeline: not a reply, or a reply also sent to the channel. */
export const inTimeline = sql`(${messages.parentId} IS NULL OR ${messages.alsoInChannel})`;

export function unreadCount(
  kind: TargetKind,
  targetId: SQL,
  lastRead: SQL,
  userId: string,
): SQL<number> {
  return sql<number>`(SELECT count(*)::int FROM ${messages}
     WHERE ${storageOf(kind).messageTarget} = ${targetId} AND ${messages.sequence} > ${lastRead}
       AND ${messages.authorId} <> ${userId} AND ${messages.deletedAt} IS NULL AND ${inTimeline})`.mapWith(
    Number,
  );
}

export function mentionCount(
  kind: TargetKind,
  targetId: SQL,
  lastRead: SQL,
  userId: string,
): SQL<number> {
  return sql<number>`(SELECT count(*)::int FROM ${mentions}
       JOIN ${messages} ON ${messages.id} = ${mentions.messageId}
     WHERE ${mentions.userId} = ${userId} AND ${storageOf(kind).mentionTarget} = ${targetId}
       AND ${mentions.sequence} > ${lastRead} AND ${inTimeline})`.mapWith(Number);
}

/** A count that is 0 without a query when nothing is after the read position (or no position). */
export const whenBehind = (lastRead: SQL, lastSequence: SQL, count: SQL<number>): SQL<number> =>
  sql<number>`CASE WHEN ${lastRead} IS NULL OR ${lastRead} >= ${lastSequence} THEN 0 ELSE ${count} END`.mapWith(
    Number,
  );
