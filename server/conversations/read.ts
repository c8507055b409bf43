/** Direct conversations as a member sees them: the sidebar list with exact unread counts, one conversation. */
import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { conversationMembers, conversations, messages, users } from "@/db/schema";
import { aliased } from "@/db/targets";
import { isoTime } from "@/lib/time";
import { AppError } from "@/server/errors";
import { mentionCount, unreadCount, whenBehind } from "@/server/messages/counts";
import { type NotifyLevel, notifyLevelOf } from "@/server/notifications/read";

export interface ConversationListItem {
  id: string;
  members: { id: string; name: string }[];
  lastSequence: number;
  lastReadSequence: number;
  unreadCount: number;
  mentionCount: number;
  lastMessageAt: string | null;
  notify: NotifyLevel;
  muted: boolean;
}

/** The user's conversations in a workspace, most recently active first. */
export async function listConversations(
  db: Db,
  userId: string,
  workspaceId: string,
  only?: string[],
): Promise<ConversationListItem[]> {
  const read = sql`${conversationMembers.lastReadSequence}`;
  const last = sql`${conversations.lastSequence}`;
  const id = sql`${conversations.id}`;
  const lastMessageAt: SQL<Date | string | null> =
    sql`(SELECT ${messages.createdAt} FROM ${messages}
     WHERE ${messages.conversationId} = ${conversations.id} AND ${messages.sequence} = ${conversations.lastSequence})`;
  const rows = await db
    .select({
      id: conversations.id,
      lastSequence: conversations.lastSequence,
      lastReadSequence: conversationMembers.lastReadSequence,
      members: sql<
        { id: string; name: string }[]
      >`(SELECT json_agg(json_build_object('id', ${users.id}, 'name', ${users.name}) ORDER BY ${users.name}, ${users.id})
         FROM ${conversationMembers} AS others JOIN ${users} ON ${users.id} = ${aliased("others", conversationMembers.userId)}
        WHERE ${aliased("others", conversationMembers.conversationId)} = ${conversations.id})`,
      unreadCount: whenBehind(read, last, unreadCount("conversation", id, read, userId)),
      mentionCount: whenBehind(read, last, mentionCount("conversation", id, read, userId)),
      lastMessageAt,
      notify: conversationMembers.notify,
      muted: conversationMembers.muted,
    })
    .from(conversations)
    .innerJoin(
      conversationMembers,
      and(
        eq(conversationMembers.conversationId, conversations.id),
        eq(conversationMembers.userId, userId),
      ),
    )
    .where(
      and(
        eq(conversations.workspaceId, workspaceId),
        only ? inArray(conversations.id, only) : undefined,
      ),
    )
    .orderBy(sql`${lastMessageAt} DESC NULLS LAST`, desc(conversations.createdAt));
  return rows.map((row) => ({
    ...row,
    lastMessageAt: isoTime(row.lastMessageAt),
    notify: notifyLevelOf("conversation", row.notify),
  }));
}

/** One conversation of the user's, with its position now (for resuming a stream from this read). */
export async function getConversation(
  db: Db,
  userId: string,
  access: { id: string; workspaceId: string },
) {
  const [row] = await db
    .select({ lastRevision: conversations.lastRevision })
    .from(conversations)
    .where(eq(conversations.id, access.id));
  const [listed] = await listConversations(db, userId, access.workspaceId, [access.id]);
  if (!row || !listed) throw new AppError("NOT_FOUND", "Conversation not found.");
  return { ...listed, workspaceId: access.workspaceId, lastRevision: row.lastRevision };
}
