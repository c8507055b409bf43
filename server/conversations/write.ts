/** Direct conversations: one per set of people in a workspace. */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { conversationMembers, conversations, workspaceMembers } from "@/db/schema";
import type { ChangeSet } from "@/server/changes";
import { AppError } from "@/server/errors";

/**
 * The conversation between the opener and `userIds`, created on first open.
 * Concurrent opens of the same set meet on the unique (workspace, member key)
 * index: the loser's insert does nothing and it reads the winner's row.
 */
export async function openConversation(
  db: Db,
  changes: ChangeSet,
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
  const opened = await db.transaction(async (tx) => {
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
  if (opened.created) changes.sidebar(opened.memberIds, { conversationIds: [opened.id] });
  return opened;
}
