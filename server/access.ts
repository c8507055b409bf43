/**
 * Who may see what. Each loader answers, in one query, whether a user can see
 * a workspace, channel, conversation or message and in which role; the tRPC
 * middleware in server/trpc.ts turns a null into NOT_FOUND and puts the rest
 * in the context. Long-lived streams call the same loaders to re-check.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { preparedQuery } from "@/db/prepared";
import type { ChannelRole, WorkspaceRole } from "@/db/schema";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  files,
  messageFiles,
  messages,
  workspaceMembers,
} from "@/db/schema";
import { type Target, targetOf } from "@/lib/target";

export interface WorkspaceAccess {
  workspaceId: string;
  role: WorkspaceRole;
}

export const isWorkspaceAdmin = (role: WorkspaceRole | null | undefined) =>
  role === "owner" || role === "admin";

// Every request checks access with one of these: prepared, so PostgreSQL
// plans each once per connection instead of on every request.
const forUser = sql.placeholder("userId");

const workspaceAccessQuery = (db: Db) =>
  db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(
      and(
        eq(workspaceMembers.workspaceId, sql.placeholder("workspaceId")),
        eq(workspaceMembers.userId, forUser),
      ),
    )
    .limit(1)
    .prepare("sequent_workspace_access");

export async function loadWorkspaceAccess(
  db: Db,
  userId: string,
  workspaceId: string,
): Promise<WorkspaceAccess | null> {
  const [row] = await preparedQuery(db, "workspace_access", workspaceAccessQuery).execute({
    userId,
    workspaceId,
  });
  return row ? { workspaceId, role: row.role } : null;
}

export interface ChannelAccess {
  kind: "channel";
  id: string;
  workspaceId: string;
  name: string;
  isPrivate: boolean;
  archived: boolean;
  /** Who may use @channel and @here in it. */
  broadcast: "members" | "admins";
  workspaceRole: WorkspaceRole;
  /** Null when the user can see the channel (public) but has not joined it. */
  membership: { role: ChannelRole; lastReadSequence: number } | null;
}

const channelAccessQuery = (db: Db) =>
  db
    .select({
      id: channels.id,
      workspaceId: channels.workspaceId,
      name: channels.name,
      isPrivate: channels.isPrivate,
      archivedAt: channels.archivedAt,
      broadcast: channels.broadcast,
      workspaceRole: workspaceMembers.role,
      channelRole: channelMembers.role,
      lastReadSequence: channelMembers.lastReadSequence,
    })
    .from(channels)
    .innerJoin(
      workspaceMembers,
      and(
        eq(workspaceMembers.workspaceId, channels.workspaceId),
        eq(workspaceMembers.userId, forUser),
      ),
    )
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.channelId, channels.id), eq(channelMembers.userId, forUser)),
    )
    .where(eq(channels.id, sql.placeholder("channelId")))
    .limit(1)
    .prepare("sequent_channel_access");

/** The channel as this user may see it, or null when they may not know it exists. */
export async function loadChannelAccess(
  db: Db,
  userId: string,
  channelId: string,
): Promise<ChannelAccess | null> {
  const [row] = await preparedQuery(db, "channel_access", channelAccessQuery).execute({
    userId,
    channelId,
  });
  if (!row) return null;
  if (row.isPrivate && !row.channelRole) return null;
  return {
    kind: "channel",
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    isPrivate: row.isPrivate,
    archived: row.archivedAt !== null,
    broadcast: row.broadcast,
    workspaceRole: row.workspaceRole,
    membership: row.channelRole
      ? { role: row.channelRole, lastReadSequence: row.lastReadSequence ?? 0 }
      : null,
  };
}

export interface ConversationAccess {
  kind: "conversation";
  id: string;
  workspaceId: string;
  archived: false;
  workspaceRole: WorkspaceRole;
  membership: { lastReadSequence: number };
}

const conversationAccessQuery = (db: Db) =>
  db
    .select({
      id: conversations.id,
      workspaceId: conversations.workspaceId,
      workspaceRole: workspaceMembers.role,
      lastReadSequence: conversationMembers.lastReadSequence,
    })
    .from(conversations)
    .innerJoin(
      conversationMembers,
      and(
        eq(conversationMembers.conversationId, conversations.id),
        eq(conversationMembers.userId, forUser),
      ),
    )
    .innerJoin(
      workspaceMembers,
      and(
        eq(workspaceMembers.workspaceId, conversations.workspaceId),
        eq(workspaceMembers.userId, forUser),
      ),
    )
    .where(eq(conversations.id, sql.placeholder("conversationId")))
    .limit(1)
    .prepare("sequent_conversation_access");

/** The conversation if this user is in it (and still in its workspace), else null. */
export async function loadConversationAccess(
  db: Db,
  userId: string,
  conversationId: string,
): Promise<ConversationAccess | null> {
  const [row] = await preparedQuery(db, "conversation_access", conversationAccessQuery).execute({
    userId,
    conversationId,
  });
  if (!row) return null;
  return {
    kind: "conversation",
    id: row.id,
    workspaceId: row.workspaceId,
    archived: false,
    workspaceRole: row.workspaceRole,
    membership: { lastReadSequence: row.lastReadSequence },
  };
}

export type TargetAccess = ChannelAccess | ConversationAccess;

export function loadTargetAccess(
  db: Db,
  userId: string,
  target: Target,
): Promise<TargetAccess | null> {
  return target.kind === "channel"
    ? loadChannelAccess(db, userId, target.id)
    : loadConversationAccess(db, userId, target.id);
}

/** Whether this user may moderate (delete others' messages in, administer) a target. */
export function canModerate(access: TargetAccess): boolean {
  if (access.kind === "conversation") return false;
  return access.membership?.role === "admin" || isWorkspaceAdmin(access.workspaceRole);
}

export interface MessageRef {
  id: string;
  target: Target;
  authorId: string;
  sequence: number;
  deleted: boolean;
  /** The thread's root, for a reply. */
  parentId: string | null;
}

/** A message's place and author, without any access check (callers check its target). */
export function loadMessageRef(db: Db, messageId: string): Promise<MessageRef | null> {
  return loadMessageRefWhere(db, eq(messages.id, messageId));
}

/** The message at a position of a target, without any access check. */
export function loadMessageRefAt(
  db: Db,
  target: Target,
  sequence: number,
): Promise<MessageRef | null> {
  const column = target.kind === "channel" ? messages.channelId : messages.conversationId;
  return loadMessageRefWhere(db, and(eq(column, target.id), eq(messages.sequence, sequence)));
}

async function loadMessageRefWhere(db: Db, where: SQL | undefined): Promise<MessageRef | null> {
  const [row] = await db
    .select({
      id: messages.id,
      channelId: messages.channelId,
      conversationId: messages.conversationId,
      authorId: messages.authorId,
      sequence: messages.sequence,
      deleted: sql<boolean>`${messages.deletedAt} IS NOT NULL`,
      parentId: messages.parentId,
    })
    .from(messages)
    .where(where)
    .limit(1);
  if (!row) return null;
  return {
    id: row.id,
    target: targetOf(row),
    authorId: row.authorId,
    sequence: row.sequence,
    deleted: row.deleted,
    parentId: row.parentId,
  };
}

export interface FileRef {
  id: string;
  workspaceId: string;
  uploaderId: string | null;
  /** Null while the upload is in progress. */
  storedAt: Date | null;
  createdAt: Date;
  /** Where the file is attached; null until a message takes it. */
  message: { id: string; target: Target; deleted: boolean } | null;
}

/** A file (not marked for removal) and the message it is attached to, without any access check. */
export async function loadFileRef(db: Db, fileId: string): Promise<FileRef | null> {
  const [row] = await db
    .select({
      id: files.id,
      workspaceId: files.workspaceId,
      uploaderId: files.uploaderId,
      storedAt: files.storedAt,
      createdAt: files.createdAt,
      messageId: messages.id,
      channelId: messages.channelId,
      conversationId: messages.conversationId,
      deleted: sql<boolean>`${messages.deletedAt} IS NOT NULL`,
    })
    .from(files)
    .leftJoin(messageFiles, eq(messageFiles.fileId, files.id))
    .leftJoin(messages, eq(messages.id, messageFiles.messageId))
    .where(and(eq(files.id, fileId), sql`${files.deletedAt} IS NULL`))
    .limit(1);
  if (!row) return null;
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    uploaderId: row.uploaderId,
    storedAt: row.storedAt,
    createdAt: row.createdAt,
    message: row.messageId
      ? {
          id: row.messageId,
          target: targetOf({ channelId: row.channelId, conversationId: row.conversationId }),
          deleted: Boolean(row.deleted),
        }
      : null,
  };
}

/**
 * Whether this user may read a file now, exactly as they may read its
 * message: a member of its channel (joined) or conversation, today. A file
 * no message took yet is its uploader's alone (and only while they are in
 * its workspace); a deleted message's files are nobody's.
 */
export async function canReadFile(db: Db, userId: string, file: FileRef): Promise<boolean> {
  if (!file.message) {
    return (
      file.uploaderId === userId &&
      (await loadWorkspaceAccess(db, userId, file.workspaceId)) !== null
    );
  }
  if (file.message.deleted) return false;
  const access = await loadTargetAccess(db, userId, file.message.target);
  if (!access) return false;
  return access.kind === "conversation" || access.membership !== null;
}
