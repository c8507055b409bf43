/**
 * Threads as a follower sees them: one thread (its root and replies), and
 * the threads someone follows in a workspace with exact unread counts: other
 * people's undeleted replies after the follower's read position in the thread.
 */
import { and, desc, eq, gt, inArray, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  messages,
  threadFollows,
} from "@/db/schema";
import { isoTime } from "@/lib/time";
import { decodeCursor, encodeCursor, exactTime, isExactTime } from "@/server/cursors";
import { AppError } from "@/server/errors";
import { readMessages } from "@/server/messages/read";
import type { MessageView } from "@/server/messages/types";

/** Other people's replies in a thread after a position, as a count. */
const unreadReplies = (rootId: SQL, lastRead: SQL, userId: string) =>
  sql<number>`(SELECT count(*)::int FROM ${messages} AS reply
     WHERE reply.${sql.identifier(messages.parentId.name)} = ${rootId}
       AND reply.${sql.identifier(messages.sequence.name)} > ${lastRead}
       AND reply.${sql.identifier(messages.authorId.name)} <> ${userId}
       AND reply.${sql.identifier(messages.deletedAt.name)} IS NULL)`.mapWith(Number);

export interface ThreadView {
  root: MessageView;
  /** Replies after `after`, ascending by sequence. */
  replies: MessageView[];
  /** Whether more replies follow the last one returned. */
  hasMore: boolean;
  following: boolean;
  lastReadSequence: number;
  unreadCount: number;
}

/** A thread from its root: the root, a page of replies, and this person's place in it. */
export async function readThread(
  db: Db,
  userId: string,
  rootId: string,
  window: { after?: number; limit: number },
): Promise<ThreadView> {
  const [[root], replies, [follow]] = await Promise.all([
    readMessages(db, eq(messages.id, rootId)),
    readMessages(db, and(eq(messages.parentId, rootId), gt(messages.sequence, window.after ?? 0)), {
      limit: window.limit + 1,
    }),
    db
      .select({
        following: threadFollows.following,
        lastReadSequence: threadFollows.lastReadSequence,
        unreadCount: unreadReplies(sql`${rootId}`, sql`${threadFollows.lastReadSequence}`, userId),
      })
      .from(threadFollows)
      .where(and(eq(threadFollows.rootId, rootId), eq(threadFollows.userId, userId))),
  ]);
  if (!root) throw new AppError("NOT_FOUND", "Message not found.");
  return {
    root,
    replies: replies.slice(0, window.limit),
    hasMore: replies.length > window.limit,
    following: follow?.following ?? false,
    lastReadSequence: follow?.lastReadSequence ?? 0,
    // Unread is tracked for followers only.
    unreadCount: follow?.following ? follow.unreadCount : 0,
  };
}

export interface FollowedThread {
  root: MessageView;
  channelId: string | null;
  conversationId: string | null;
  /** The channel's name, for a thread in a channel. */
  channelName: string | null;
  replyCount: number;
  lastReplyAt: string | null;
  lastReadSequence: number;
  unreadCount: number;
}

/** Where a list of followed threads continues: before this last reply time (exact) and root. */
const ZThreadCursorSchema = z.object({ at: z.string().refine(isExactTime), id: z.uuid() });

/**
 * A page of the followed threads in one workspace, in places the person still
 * belongs to, latest reply first, and where the next page starts (null at the end).
 */
export async function listFollowedThreads(
  db: Db,
  userId: string,
  workspaceId: string,
  page: { cursor?: string; limit: number },
): Promise<{ items: FollowedThread[]; nextCursor: string | null }> {
  const after =
    page.cursor === undefined ? null : decodeCursor(ZThreadCursorSchema, page.cursor, "list");
  const rows = await followedThreads(
    db,
    userId,
    workspaceId,
    after
      ? sql`(${messages.lastReplyAt}, ${messages.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`
      : undefined,
  )
    .orderBy(desc(messages.lastReplyAt), desc(messages.id))
    .limit(page.limit + 1);
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  if (shown.length === 0) return { items: [], nextCursor: null };
  const roots = await readMessages(
    db,
    inArray(
      messages.id,
      shown.map((row) => row.rootId),
    ),
  );
  const byId = new Map(roots.map((root) => [root.id, root]));
  const last = shown.at(-1);
  return {
    items: shown.flatMap((row) => {
      const root = byId.get(row.rootId);
      if (!root) return [];
      return [
        {
          root,
          channelId: root.channelId,
          conversationId: root.conversationId,
          channelName: row.channelName,
          replyCount: root.replyCount,
          lastReplyAt: isoTime(row.lastReplyAt),
          lastReadSequence: row.lastReadSequence,
          unreadCount: row.unreadCount,
        },
      ];
    }),
    nextCursor: more && last?.at ? encodeCursor({ at: last.at, id: last.rootId }) : null,
  };
}

/** How many followed threads have unread replies, and how many replies that is. */
export async function threadTotals(db: Db, userId: string, workspaceId: string) {
  const rows = await followedThreads(db, userId, workspaceId);
  const unread = rows.filter((row) => row.unreadCount > 0);
  return {
    unreadThreads: unread.length,
    unreadReplies: unread.reduce((sum, row) => sum + row.unreadCount, 0),
  };
}

/** The person's followed threads with replies, in channels and conversations they are in now. */
function followedThreads(db: Db, userId: string, workspaceId: string, also?: SQL) {
  return db
    .select({
      rootId: threadFollows.rootId,
      lastReadSequence: threadFollows.lastReadSequence,
      lastReplyAt: messages.lastReplyAt,
      at: exactTime(messages.lastReplyAt),
      channelName: channels.name,
      unreadCount: unreadReplies(
        sql`${threadFollows.rootId}`,
        sql`${threadFollows.lastReadSequence}`,
        userId,
      ),
    })
    .from(threadFollows)
    .innerJoin(messages, eq(messages.id, threadFollows.rootId))
    .leftJoin(channels, eq(channels.id, messages.channelId))
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.channelId, messages.channelId), eq(channelMembers.userId, userId)),
    )
    .leftJoin(conversations, eq(conversations.id, messages.conversationId))
    .leftJoin(
      conversationMembers,
      and(
        eq(conversationMembers.conversationId, messages.conversationId),
        eq(conversationMembers.userId, userId),
      ),
    )
    .where(
      and(
        eq(threadFollows.userId, userId),
        eq(threadFollows.following, true),
        gt(messages.replyCount, 0),
        or(
          and(eq(channels.workspaceId, workspaceId), eq(channelMembers.userId, userId)),
          and(eq(conversations.workspaceId, workspaceId), eq(conversationMembers.userId, userId)),
        ),
        also,
      ),
    )
    .$dynamic();
}
