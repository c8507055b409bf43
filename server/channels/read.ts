/** Channels as a member sees them: the sidebar list with exact unread counts, one channel, its members. */
import { and, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channelMembers, channels, users } from "@/db/schema";
import { isoTime } from "@/lib/time";
import type { ChannelAccess } from "@/server/access";
import { AppError } from "@/server/errors";
import { mentionCount, unreadCount, whenBehind } from "@/server/messages/counts";
import { type NotifyLevel, notifyLevelOf } from "@/server/notifications/read";

export interface ChannelListItem {
  id: string;
  name: string;
  topic: string;
  isPrivate: boolean;
  archivedAt: string | null;
  /** Who may notify the whole channel with @channel and @here. */
  broadcast: "members" | "admins";
  isMember: boolean;
  role: "admin" | "member" | null;
  lastSequence: number;
  lastReadSequence: number | null;
  unreadCount: number;
  mentionCount: number;
  /** For members: when they are told about it, and whether it is muted. */
  notify: NotifyLevel | null;
  muted: boolean;
}

/**
 * The channels a user can see in a workspace: public ones and private ones
 * they belong to, by name. Unread counts are exact (server/messages/counts.ts).
 */
export async function listChannels(
  db: Db,
  userId: string,
  workspaceId: string,
  only?: string[],
): Promise<ChannelListItem[]> {
  const read = sql`${channelMembers.lastReadSequence}`;
  const last = sql`${channels.lastSequence}`;
  const id = sql`${channels.id}`;
  const rows = await db
    .select({
      id: channels.id,
      name: channels.name,
      topic: channels.topic,
      isPrivate: channels.isPrivate,
      archivedAt: channels.archivedAt,
      broadcast: channels.broadcast,
      role: channelMembers.role,
      lastSequence: channels.lastSequence,
      lastReadSequence: channelMembers.lastReadSequence,
      unreadCount: whenBehind(read, last, unreadCount("channel", id, read, userId)),
      mentionCount: whenBehind(read, last, mentionCount("channel", id, read, userId)),
      notify: channelMembers.notify,
      muted: channelMembers.muted,
    })
    .from(channels)
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.channelId, channels.id), eq(channelMembers.userId, userId)),
    )
    .where(
      and(
        eq(channels.workspaceId, workspaceId),
        or(eq(channels.isPrivate, false), isNotNull(channelMembers.userId)),
        only ? inArray(channels.id, only) : undefined,
      ),
    )
    .orderBy(channels.name);
  return rows.map((row) => ({
    ...row,
    archivedAt: isoTime(row.archivedAt),
    isMember: row.role !== null,
    notify: row.role === null ? null : notifyLevelOf("channel", row.notify),
    muted: row.muted ?? false,
  }));
}

export async function getChannel(db: Db, userId: string, access: ChannelAccess) {
  const [listed] = await listChannels(db, userId, access.workspaceId, [access.id]);
  const [extra] = await db
    .select({
      createdAt: channels.createdAt,
      lastRevision: channels.lastRevision,
      memberCount: db.$count(channelMembers, eq(channelMembers.channelId, access.id)),
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
