/** Channels: creation, the sidebar list with exact unread counts, membership, settings, archiving. */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channelMembers, channels, users, workspaceMembers } from "@/db/schema";
import type { ChannelAccess } from "@/server/access";
import { AppError, uniqueViolation } from "@/server/errors";
import { isoTime } from "@/server/messages/types";

const nameTaken = (name: string) =>
  new AppError(
    "CONFLICT",
    `A channel named #${name} already exists in this workspace; pick another name.`,
  );

export async function createChannel(
  db: Db,
  userId: string,
  workspaceId: string,
  input: { name: string; isPrivate: boolean; topic?: string },
) {
  try {
    return await db.transaction(async (tx) => {
      const [channel] = await tx
        .insert(channels)
        .values({
          workspaceId,
          name: input.name,
          isPrivate: input.isPrivate,
          topic: input.topic ?? "",
          createdBy: userId,
        })
        .returning({ id: channels.id });
      const id = (channel as { id: string }).id;
      await tx.insert(channelMembers).values({ channelId: id, userId, role: "admin" });
      return { id };
    });
  } catch (error) {
    if (uniqueViolation(error) === "channels_workspace_name_uq") throw nameTaken(input.name);
    throw error;
  }
}

export interface ChannelListItem {
  id: string;
  name: string;
  topic: string;
  isPrivate: boolean;
  archivedAt: string | null;
  isMember: boolean;
  role: "admin" | "member" | null;
  lastSequence: number;
  lastReadSequence: number | null;
  unreadCount: number;
  mentionCount: number;
}

/**
 * The channels a user can see in a workspace: public ones and private ones
 * they belong to. Unread counts are exact: other people's undeleted messages
 * after the user's read position.
 */
export async function listChannels(
  db: Db,
  userId: string,
  workspaceId: string,
  only?: string[],
): Promise<ChannelListItem[]> {
  const filter = only ? sql`AND c.id = ANY(${sql.param(only)}::uuid[])` : sql``;
  const result = await db.execute<{
    id: string;
    name: string;
    topic: string;
    is_private: boolean;
    archived_at: string | null;
    role: "admin" | "member" | null;
    last_sequence: number;
    last_read_sequence: number | null;
    unread_count: number;
    mention_count: number;
  }>(sql`
    SELECT c.id, c.name, c.topic, c.is_private, c.archived_at, cm.role, c.last_sequence, cm.last_read_sequence,
           CASE WHEN cm.user_id IS NULL OR cm.last_read_sequence >= c.last_sequence THEN 0 ELSE (
             SELECT count(*)::int FROM messages m
              WHERE m.channel_id = c.id AND m.sequence > cm.last_read_sequence
                AND m.author_id <> ${userId} AND m.deleted_at IS NULL) END AS unread_count,
           CASE WHEN cm.user_id IS NULL OR cm.last_read_sequence >= c.last_sequence THEN 0 ELSE (
             SELECT count(*)::int FROM mentions mn
              WHERE mn.user_id = ${userId} AND mn.channel_id = c.id AND mn.sequence > cm.last_read_sequence) END
             AS mention_count
      FROM channels c
      LEFT JOIN channel_members cm ON cm.channel_id = c.id AND cm.user_id = ${userId}
     WHERE c.workspace_id = ${workspaceId} AND (NOT c.is_private OR cm.user_id IS NOT NULL) ${filter}
     ORDER BY c.name`);
  return result.rows.map((row) => ({
    id: row.id,
    name: row.name,
    topic: row.topic,
    isPrivate: row.is_private,
    archivedAt: isoTime(row.archived_at),
    isMember: row.role !== null,
    role: row.role,
    lastSequence: row.last_sequence,
    lastReadSequence: row.last_read_sequence,
    unreadCount: row.unread_count,
    mentionCount: row.mention_count,
  }));
}

export async function getChannel(db: Db, userId: string, access: ChannelAccess) {
  const [listed] = await listChannels(db, userId, access.workspaceId, [access.id]);
  const [extra] = await db
    .select({
      createdAt: channels.createdAt,
      lastRevision: channels.lastRevision,
      memberCount: sql<number>`(select count(*)::int from channel_members cm where cm.channel_id = channels.id)`,
    })
    .from(channels)
    .where(eq(channels.id, access.id));
  if (!listed || !extra) throw new AppError("NOT_FOUND", "Channel not found.");
  return {
    ...listed,
    workspaceId: access.workspaceId,
    memberCount: extra.memberCount,
    lastRevision: extra.lastRevision,
    createdAt: isoTime(extra.createdAt),
  };
}

export async function listChannelMembers(db: Db, channelId: string) {
  return db
    .select({ userId: users.id, name: users.name, role: channelMembers.role })
    .from(channelMembers)
    .innerJoin(users, eq(users.id, channelMembers.userId))
    .where(eq(channelMembers.channelId, channelId))
    .orderBy(users.name, users.id);
}

/** Adds a workspace member to a channel; they start with its history read. No-op for members. */
export async function addChannelMember(db: Db, access: ChannelAccess, userId: string) {
  const [inWorkspace] = await db
    .select({ userId: workspaceMembers.userId })
    .from(workspaceMembers)
    .where(
      and(
        eq(workspaceMembers.workspaceId, access.workspaceId),
        eq(workspaceMembers.userId, userId),
      ),
    );
  if (!inWorkspace)
    throw new AppError("NOT_FOUND", "This person is not a member of the workspace.");
  const result = await db.execute(sql`
    INSERT INTO channel_members (channel_id, user_id, role, last_read_sequence)
    SELECT id, ${userId}, 'member', last_sequence FROM channels WHERE id = ${access.id}
    ON CONFLICT DO NOTHING`);
  return { channelId: access.id, userId, added: (result.rowCount ?? 0) > 0 };
}

export async function removeChannelMember(db: Db, channelId: string, userId: string) {
  const removed = await db
    .delete(channelMembers)
    .where(and(eq(channelMembers.channelId, channelId), eq(channelMembers.userId, userId)))
    .returning({ userId: channelMembers.userId });
  if (removed.length === 0)
    throw new AppError("NOT_FOUND", "This person is not a member of the channel.");
  return { channelId, userId };
}

export async function updateChannel(
  db: Db,
  access: ChannelAccess,
  input: { name?: string; topic?: string },
) {
  if (access.archived)
    throw new AppError("FORBIDDEN", "This channel is archived and read-only; unarchive it first.");
  const changes: { name?: string; topic?: string } = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.topic !== undefined) changes.topic = input.topic;
  if (Object.keys(changes).length === 0)
    throw new AppError("BAD_REQUEST", "name, topic: give at least one to change.");
  try {
    const [row] = await db
      .update(channels)
      .set(changes)
      .where(eq(channels.id, access.id))
      .returning({ id: channels.id, name: channels.name, topic: channels.topic });
    return row as { id: string; name: string; topic: string };
  } catch (error) {
    if (uniqueViolation(error) === "channels_workspace_name_uq") throw nameTaken(input.name ?? "");
    throw error;
  }
}

export async function setArchived(db: Db, channelId: string, archived: boolean) {
  const [row] = await db
    .update(channels)
    .set({ archivedAt: archived ? sql`coalesce(${channels.archivedAt}, now())` : null })
    .where(eq(channels.id, channelId))
    .returning({ id: channels.id, archivedAt: channels.archivedAt });
  return { id: channelId, archivedAt: isoTime(row?.archivedAt ?? null) };
}
