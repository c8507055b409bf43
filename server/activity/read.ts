/**
 * A person's activity in a workspace: mentions of them, replies in threads
 * they follow, and reactions to their messages — newest first, only from
 * channels and conversations they belong to now, unread when newer than
 * the last time they looked.
 */
import { and, desc, eq, inArray, lt, ne, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  mentions,
  messages,
  reactions,
  threadFollows,
  users,
  workspaceMembers,
} from "@/db/schema";
import { isoTime } from "@/lib/time";
import { decodeCursor, encodeCursor, exactTime } from "@/server/cursors";
import { readMessages } from "@/server/messages/read";
import type { MessageView } from "@/server/messages/types";

export type ActivityItem =
  | { kind: "mention"; at: string; unread: boolean; message: MessageView }
  | { kind: "reply"; at: string; unread: boolean; message: MessageView }
  | {
      kind: "reaction";
      at: string;
      unread: boolean;
      message: MessageView;
      emoji: string;
      by: { id: string; name: string };
    };

/** Where a listing continues: after this time and key (items are newest first). */
const ZCursorSchema = z.object({
  at: z.string().refine((at) => !Number.isNaN(Date.parse(at))),
  key: z.string(),
});
type Cursor = z.infer<typeof ZCursorSchema>;

/** The message (the `messages` table of the query) is in a place the person belongs to in the workspace. */
function readableBy(userId: string, workspaceId: string): SQL {
  return or(
    sql`EXISTS (SELECT 1 FROM ${channelMembers} JOIN ${channels} ON ${channels.id} = ${channelMembers.channelId}
           WHERE ${channelMembers.channelId} = ${messages.channelId} AND ${channelMembers.userId} = ${userId}
             AND ${channels.workspaceId} = ${workspaceId})`,
    sql`EXISTS (SELECT 1 FROM ${conversationMembers} JOIN ${conversations} ON ${conversations.id} = ${conversationMembers.conversationId}
           WHERE ${conversationMembers.conversationId} = ${messages.conversationId} AND ${conversationMembers.userId} = ${userId}
             AND ${conversations.workspaceId} = ${workspaceId})`,
  ) as SQL;
}

interface Row {
  key: string;
  /** Exact (microseconds, fixed-width UTC text): sorts as the time does, and cursors keep it whole. */
  at: string;
  messageId: string;
  kind: ActivityItem["kind"];
  emoji?: string;
  byId?: string;
  byName?: string;
}

/** One kind's candidates, newest first, before the cursor. */
async function candidates(
  db: Db,
  userId: string,
  workspaceId: string,
  before: Cursor | null,
  limit: number,
): Promise<Row[]> {
  const older = (at: SQL, key: SQL) =>
    before
      ? or(
          lt(at, sql`${before.at}::timestamptz`),
          and(eq(at, sql`${before.at}::timestamptz`), lt(key, before.key)),
        )
      : undefined;
  const readable = readableBy(userId, workspaceId);
  const mentionKey = sql<string>`'m:' || ${messages.id}`;
  const replyKey = sql<string>`'r:' || ${messages.id}`;
  const reactionKey = sql<string>`'x:' || ${reactions.messageId} || ':' || ${reactions.userId} || ':' || ${reactions.emoji}`;
  const [mentioned, replies, reacted] = await Promise.all([
    db
      .select({ key: mentionKey, at: exactTime(messages.createdAt), messageId: messages.id })
      .from(mentions)
      .innerJoin(messages, eq(messages.id, mentions.messageId))
      .where(
        and(
          eq(mentions.userId, userId),
          ne(messages.authorId, userId),
          sql`${messages.deletedAt} IS NULL`,
          readable,
          older(sql`${messages.createdAt}`, mentionKey),
        ),
      )
      .orderBy(desc(messages.createdAt), desc(mentionKey))
      .limit(limit),
    db
      .select({ key: replyKey, at: exactTime(messages.createdAt), messageId: messages.id })
      .from(threadFollows)
      .innerJoin(messages, eq(messages.parentId, threadFollows.rootId))
      .where(
        and(
          eq(threadFollows.userId, userId),
          eq(threadFollows.following, true),
          ne(messages.authorId, userId),
          sql`${messages.deletedAt} IS NULL`,
          readable,
          older(sql`${messages.createdAt}`, replyKey),
        ),
      )
      .orderBy(desc(messages.createdAt), desc(replyKey))
      .limit(limit),
    db
      .select({
        key: reactionKey,
        at: exactTime(reactions.createdAt),
        messageId: reactions.messageId,
        emoji: reactions.emoji,
        byId: users.id,
        byName: users.name,
      })
      .from(reactions)
      .innerJoin(messages, eq(messages.id, reactions.messageId))
      .innerJoin(users, eq(users.id, reactions.userId))
      .where(
        and(
          eq(reactions.messageAuthorId, userId),
          ne(reactions.userId, userId),
          readable,
          older(sql`${reactions.createdAt}`, reactionKey),
        ),
      )
      .orderBy(desc(reactions.createdAt), desc(reactionKey))
      .limit(limit),
  ]);
  return [
    ...mentioned.map((row) => ({ ...row, kind: "mention" as const })),
    ...replies.map((row) => ({ ...row, kind: "reply" as const })),
    ...reacted.map((row) => ({ ...row, kind: "reaction" as const })),
  ];
}

const newestFirst = (a: Row, b: Row) =>
  a.at !== b.at ? (b.at < a.at ? -1 : 1) : b.key < a.key ? -1 : b.key > a.key ? 1 : 0;

async function readAt(db: Db, userId: string, workspaceId: string): Promise<number> {
  const [member] = await db
    .select({ at: workspaceMembers.activityReadAt })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)));
  return member ? member.at.getTime() : Date.now();
}

/** A page of activity, newest first, and where the next page starts (null at the end). */
export async function listActivity(
  db: Db,
  userId: string,
  workspaceId: string,
  options: { cursor?: string; limit: number },
): Promise<{ items: ActivityItem[]; nextCursor: string | null }> {
  const cursor =
    options.cursor === undefined ? null : decodeCursor(ZCursorSchema, options.cursor, "list");
  const [rows, seenAt] = await Promise.all([
    candidates(db, userId, workspaceId, cursor, options.limit + 1),
    readAt(db, userId, workspaceId),
  ]);
  // A reply that mentions the person is one item: the mention.
  const mentionIds = new Set(rows.filter((r) => r.kind === "mention").map((r) => r.messageId));
  const page = rows
    .filter((row) => row.kind !== "reply" || !mentionIds.has(row.messageId))
    .sort(newestFirst)
    .slice(0, options.limit + 1);
  const more = page.length > options.limit;
  const items = page.slice(0, options.limit);
  if (items.length === 0) return { items: [], nextCursor: null };
  const views = await readMessages(
    db,
    inArray(messages.id, [...new Set(items.map((item) => item.messageId))]),
  );
  const byId = new Map(views.map((view) => [view.id, view]));
  const last = items.at(-1);
  return {
    items: items.flatMap((row): ActivityItem[] => {
      const message = byId.get(row.messageId);
      if (!message) return [];
      const at = isoTime(row.at);
      const unread = new Date(at).getTime() > seenAt;
      if (row.kind === "reaction")
        return [
          {
            kind: "reaction",
            at,
            unread,
            message,
            emoji: row.emoji as string,
            by: { id: row.byId as string, name: row.byName as string },
          },
        ];
      return [{ kind: row.kind, at, unread, message }];
    }),
    nextCursor: more && last ? encodeCursor({ at: last.at, key: last.key }) : null,
  };
}

const ACTIVITY_UNREAD_CAP = 100;

/**
 * How many activity items are newer than the last look, counted up to 100 in
 * all. Each kind's newest 100 are enough: when none of the kinds reaches 100,
 * they hold every item; when one does, the count is 100 either way.
 */
export async function activityUnread(db: Db, userId: string, workspaceId: string) {
  const seenAt = await readAt(db, userId, workspaceId);
  const rows = await candidates(db, userId, workspaceId, null, ACTIVITY_UNREAD_CAP);
  const mentionIds = new Set(rows.filter((r) => r.kind === "mention").map((r) => r.messageId));
  const unread = rows.filter(
    (row) =>
      new Date(row.at).getTime() > seenAt &&
      (row.kind !== "reply" || !mentionIds.has(row.messageId)),
  ).length;
  return Math.min(unread, ACTIVITY_UNREAD_CAP);
}
