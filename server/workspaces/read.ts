/** Workspaces as a member sees them: the list, one workspace, its members and invite links. */
import { and, asc, desc, eq, gt, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import {
  channels,
  users,
  workspaceInvitations,
  workspaceInvites,
  workspaceMembers,
  workspaces,
} from "@/db/schema";
import { env } from "@/lib/env";
import { isoTime } from "@/lib/time";
import type { WorkspaceAccess } from "@/server/access";
import { hashToken } from "@/server/auth/email-tokens";
import { AppError } from "@/server/errors";
import { avatarUrlOf } from "@/server/users/read";

export const GENERAL_CHANNEL = "general";

export async function getWorkspace(db: Db, access: WorkspaceAccess) {
  const [row] = await db
    .select({
      id: workspaces.id,
      name: workspaces.name,
      slug: workspaces.slug,
      createdAt: workspaces.createdAt,
      memberCount: db.$count(
        workspaceMembers,
        eq(workspaceMembers.workspaceId, access.workspaceId),
      ),
      generalChannelId: sql<string | null>`(${db
        .select({ id: channels.id })
        .from(channels)
        .where(
          and(
            eq(channels.workspaceId, access.workspaceId),
            eq(channels.name, GENERAL_CHANNEL),
            eq(channels.isPrivate, false),
          ),
        )})`,
    })
    .from(workspaces)
    .where(eq(workspaces.id, access.workspaceId));
  if (!row) throw new AppError("NOT_FOUND", "Workspace not found.");
  return { ...row, createdAt: isoTime(row.createdAt), role: access.role };
}

export async function listWorkspaces(db: Db, userId: string) {
  const rows = await db
    .select({
      id: workspaces.id,
      name: workspaces.name,
      slug: workspaces.slug,
      role: workspaceMembers.role,
    })
    .from(workspaceMembers)
    .innerJoin(workspaces, eq(workspaces.id, workspaceMembers.workspaceId))
    .where(eq(workspaceMembers.userId, userId))
    .orderBy(asc(workspaces.name), asc(workspaces.id));
  return rows;
}

export async function listInvites(db: Db, workspaceId: string) {
  const rows = await db
    .select({
      id: workspaceInvites.id,
      code: workspaceInvites.code,
      createdBy: { id: users.id, name: users.name },
      createdAt: workspaceInvites.createdAt,
      expiresAt: workspaceInvites.expiresAt,
      maxUses: workspaceInvites.maxUses,
      uses: workspaceInvites.uses,
      revokedAt: workspaceInvites.revokedAt,
    })
    .from(workspaceInvites)
    .leftJoin(users, eq(users.id, workspaceInvites.createdBy))
    .where(eq(workspaceInvites.workspaceId, workspaceId))
    .orderBy(desc(workspaceInvites.createdAt));
  return rows.map((row) => ({
    ...row,
    createdBy: row.createdBy?.id ? { id: row.createdBy.id, name: row.createdBy.name } : null,
    createdAt: isoTime(row.createdAt),
    expiresAt: isoTime(row.expiresAt),
    revokedAt: isoTime(row.revokedAt),
  }));
}

/** What an invite link leads to, for the page that shows it before joining. */
export async function describeInvite(db: Db, code: string) {
  const [row] = await db
    .select({
      workspaceId: workspaces.id,
      workspaceName: workspaces.name,
      expiresAt: workspaceInvites.expiresAt,
      revokedAt: workspaceInvites.revokedAt,
      maxUses: workspaceInvites.maxUses,
      uses: workspaceInvites.uses,
    })
    .from(workspaceInvites)
    .innerJoin(workspaces, eq(workspaces.id, workspaceInvites.workspaceId))
    .where(eq(workspaceInvites.code, code))
    .limit(1);
  if (!row) throw new AppError("NOT_FOUND", "This invite link is not valid. Ask for a new one.");
  const state = row.revokedAt
    ? ("revoked" as const)
    : row.expiresAt.getTime() <= Date.now()
      ? ("expired" as const)
      : row.maxUses !== null && row.uses >= row.maxUses
        ? ("used-up" as const)
        : ("usable" as const);
  return { workspaceName: row.workspaceName, usable: state === "usable", state };
}

export async function listMembers(db: Db, workspaceId: string) {
  const rows = await db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      status: users.status,
      avatarKey: users.avatarKey,
      role: workspaceMembers.role,
      joinedAt: workspaceMembers.joinedAt,
    })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(eq(workspaceMembers.workspaceId, workspaceId))
    .orderBy(asc(users.name), asc(users.id));
  return rows.map(({ avatarKey, ...row }) => ({
    ...row,
    avatarUrl: avatarUrlOf(row.userId, avatarKey),
    joinedAt: isoTime(row.joinedAt),
  }));
}

/** An email invitation that can still be accepted. */
export const pendingInvitation = and(
  isNull(workspaceInvitations.acceptedAt),
  isNull(workspaceInvitations.declinedAt),
  isNull(workspaceInvitations.revokedAt),
  gt(workspaceInvitations.expiresAt, sql`now()`),
) as SQL;

/** A workspace's open email invitations, for its admins. */
export async function listInvitations(db: Db, workspaceId: string) {
  const rows = await db
    .select({
      id: workspaceInvitations.id,
      email: workspaceInvitations.email,
      invitedBy: { id: users.id, name: users.name },
      createdAt: workspaceInvitations.createdAt,
      expiresAt: workspaceInvitations.expiresAt,
    })
    .from(workspaceInvitations)
    .leftJoin(users, eq(users.id, workspaceInvitations.invitedBy))
    .where(and(eq(workspaceInvitations.workspaceId, workspaceId), pendingInvitation))
    .orderBy(desc(workspaceInvitations.createdAt));
  return rows.map((row) => ({
    ...row,
    invitedBy: row.invitedBy?.id ? { id: row.invitedBy.id, name: row.invitedBy.name } : null,
    createdAt: isoTime(row.createdAt),
    expiresAt: isoTime(row.expiresAt),
  }));
}

/**
 * The open invitations addressed to a person's email; with
 * EMAIL_VERIFICATION=required, none until that address is confirmed.
 */
export async function listMyInvitations(db: Db, userId: string) {
  const me = alias(users, "me");
  const rows = await db
    .select({
      id: workspaceInvitations.id,
      workspaceId: workspaces.id,
      workspaceName: workspaces.name,
      invitedBy: { id: users.id, name: users.name },
      expiresAt: workspaceInvitations.expiresAt,
    })
    .from(workspaceInvitations)
    .innerJoin(me, eq(me.email, workspaceInvitations.email))
    .innerJoin(workspaces, eq(workspaces.id, workspaceInvitations.workspaceId))
    .leftJoin(users, eq(users.id, workspaceInvitations.invitedBy))
    .where(
      and(
        eq(me.id, userId),
        pendingInvitation,
        env().emailVerification ? isNotNull(me.emailVerified) : undefined,
      ),
    )
    .orderBy(desc(workspaceInvitations.createdAt));
  return rows.map((row) => ({
    ...row,
    invitedBy: row.invitedBy?.id ? { id: row.invitedBy.id, name: row.invitedBy.name } : null,
    expiresAt: isoTime(row.expiresAt),
  }));
}

/** What a mailed invitation link leads to, for its page (whoever holds the link may know). */
export async function describeInvitationLink(db: Db, token: string) {
  const [row] = await db
    .select({
      workspaceName: workspaces.name,
      email: workspaceInvitations.email,
      inviterName: users.name,
      expiresAt: workspaceInvitations.expiresAt,
      acceptedAt: workspaceInvitations.acceptedAt,
      declinedAt: workspaceInvitations.declinedAt,
      revokedAt: workspaceInvitations.revokedAt,
    })
    .from(workspaceInvitations)
    .innerJoin(workspaces, eq(workspaces.id, workspaceInvitations.workspaceId))
    .leftJoin(users, eq(users.id, workspaceInvitations.invitedBy))
    .where(eq(workspaceInvitations.tokenHash, hashToken(token)))
    .limit(1);
  if (!row)
    throw new AppError("NOT_FOUND", "This invitation link is not valid; ask for a new one.");
  const state = row.acceptedAt
    ? ("accepted" as const)
    : row.declinedAt
      ? ("declined" as const)
      : row.revokedAt
        ? ("revoked" as const)
        : row.expiresAt.getTime() <= Date.now()
          ? ("expired" as const)
          : ("open" as const);
  return {
    workspaceName: row.workspaceName,
    email: row.email,
    inviterName: row.inviterName,
    state,
  };
}

/** The name of a workspace and of a person, for mails. */
export async function invitationMailFacts(db: Db, workspaceId: string, inviterId: string) {
  const [workspace] = await db
    .select({ name: workspaces.name })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  const [inviter] = await db
    .select({ name: users.name })
    .from(users)
    .where(eq(users.id, inviterId));
  return { workspaceName: workspace?.name ?? "a workspace", inviterName: inviter?.name ?? null };
}
