/** Direct conversations: one per set of people in a workspace, with unread counts. */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { conversationMembers, conversations, workspaceMembers } from "@/db/schema";
import { AppError } from "@/server/errors";
import { isoTime } from "@/server/messages/types";

/**
 * The conversation between the opener and `userIds`, created on first open.
 * Concurrent opens of the same set meet on the unique (workspace, member key)
 * index: the loser's insert does nothing and it reads the winner's row.
 */
export async function openConversation(
  db: Db,
  userId: string,
  workspaceId: string,
  userIds: string[],
) {
  const others = [...new Set(userIds.map((id) => id.toLowerCase()))].filter((id) => id !== userId);
  if (others.length === 0)
    throw new AppError("BAD_REQUEST", "userIds: name at least one person besides yourself.");
  if (others.length > 9)
    throw new AppError("BAD_REQUEST", "userIds: a conversation has at most 9 people besides you.");
  const members = [userId, ...others].sort();
  const found = await db
    .select({ userId: workspaceMembers.userId })
    .from(workspaceMembers)
    .where(
      and(eq(workspaceMembers.workspaceId, workspaceId), inArray(workspaceMembers.userId, others)),
    );
  if (found.length !== others.length) {
    throw new AppError(
      "NOT_FOUND",
      "userIds: some of these people are not members of this workspace.",
    );
  }
  const memberKey = members.join(",");
  return db.transaction(async (tx) => {
    const [created] = await tx
      .insert(conversations)
      .values({ workspaceId, memberKey, createdBy: userId })
      .onConflictDoNothing({ target: [conversations.workspaceId, conversations.memberKey] })
      .returning({ id: conversations.id });
    if (created) {
      await tx
        .insert(conversationMembers)
        .values(members.map((member) => ({ conversationId: created.id, userId: member })));
      return { id: created.id, created: true, memberIds: members };
    }
    const [existing] = await tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(eq(conversations.workspaceId, workspaceId), eq(conversations.memberKey, memberKey)),
      );
    if (!existing) throw new Error("conversation vanished between conflict and read");
    return { id: existing.id, created: false, memberIds: members };
  });
}

export interface ConversationListItem {
  id: string;
  members: { id: string; name: string }[];
  lastSequence: number;
  lastReadSequence: number;
  unreadCount: number;
  mentionCount: number;
  lastMessageAt: string | null;
}

/** The user's conversations in a workspace, most recently active first. */
export async function listConversations(
  db: Db,
  userId: string,
  workspaceId: string,
  only?: string[],
): Promise<ConversationListItem[]> {
  const filter = only ? sql`AND c.id = ANY(${sql.param(only)}::uuid[])` : sql``;
  const result = await db.execute<{
    id: string;
    members: { id: string; name: string }[];
    last_sequence: number;
    last_read_sequence: number;
    unread_count: number;
    mention_count: number;
    last_message_at: string | null;
  }>(sql`
    SELECT c.id, c.last_sequence, cm.last_read_sequence,
           (SELECT json_agg(json_build_object('id', u.id, 'name', u.name) ORDER BY u.name, u.id)
              FROM conversation_members o JOIN users u ON u.id = o.user_id
             WHERE o.conversation_id = c.id) AS members,
           CASE WHEN cm.last_read_sequence >= c.last_sequence THEN 0 ELSE (
             SELECT count(*)::int FROM messages m
              WHERE m.conversation_id = c.id AND m.sequence > cm.last_read_sequence
                AND m.author_id <> ${userId} AND m.deleted_at IS NULL) END AS unread_count,
           CASE WHEN cm.last_read_sequence >= c.last_sequence THEN 0 ELSE (
             SELECT count(*)::int FROM mentions mn
              WHERE mn.user_id = ${userId} AND mn.conversation_id = c.id AND mn.sequence > cm.last_read_sequence) END
             AS mention_count,
           (SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id AND m.sequence = c.last_sequence)
             AS last_message_at
      FROM conversations c
      JOIN conversation_members cm ON cm.conversation_id = c.id AND cm.user_id = ${userId}
     WHERE c.workspace_id = ${workspaceId} ${filter}
     ORDER BY last_message_at DESC NULLS LAST, c.created_at DESC`);
  return result.rows.map((row) => ({
    id: row.id,
    members: row.members,
    lastSequence: row.last_sequence,
    lastReadSequence: row.last_read_sequence,
    unreadCount: row.unread_count,
    mentionCount: row.mention_count,
    lastMessageAt: isoTime(row.last_message_at),
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
