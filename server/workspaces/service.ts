/** Workspaces: creation with an owner and #general, membership, roles and invite links. */
import { randomBytes } from "node:crypto";
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  channelMembers,
  channels,
  users,
  type WorkspaceRole,
  workspaceInvites,
  workspaceMembers,
  workspaces,
} from "@/db/schema";
import type { WorkspaceAccess } from "@/server/access";
import { AppError } from "@/server/errors";
import { isoTime } from "@/server/messages/types";

export const GENERAL_CHANNEL = "general";

function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return base || "workspace";
}

export async function createWorkspace(db: Db, userId: string, name: string) {
  return db.transaction(async (tx) => {
    let slug = slugify(name);
    let workspace: { id: string; slug: string } | undefined;
    for (let attempt = 0; !workspace; attempt++) {
      [workspace] = await tx
        .insert(workspaces)
        .values({ name: name.trim(), slug, createdBy: userId })
        .onConflictDoNothing({ target: workspaces.slug })
        .returning({ id: workspaces.id, slug: workspaces.slug });
      if (attempt > 5) throw new Error("could not find a free workspace slug");
      slug = `${slugify(name)}-${randomBytes(3).toString("hex")}`;
    }
    await tx.insert(workspaceMembers).values({ workspaceId: workspace.id, userId, role: "owner" });
    const [general] = await tx
      .insert(channels)
      .values({
        workspaceId: workspace.id,
        name: GENERAL_CHANNEL,
        topic: "Everyone in the workspace",
        createdBy: userId,
      })
      .returning({ id: channels.id });
    const generalChannelId = (general as { id: string }).id;
    await tx.insert(channelMembers).values({ channelId: generalChannelId, userId, role: "admin" });
    return { id: workspace.id, slug: workspace.slug, generalChannelId };
  });
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

export async function getWorkspace(db: Db, access: WorkspaceAccess) {
  const [row] = await db
    .select({
      id: workspaces.id,
      name: workspaces.name,
      slug: workspaces.slug,
      createdAt: workspaces.createdAt,
      // Spelled out: Drizzle leaves columns unqualified in a one-table select,
      // which inside a subquery would bind to the subquery's own table.
      memberCount: sql<number>`(select count(*)::int from workspace_members wm where wm.workspace_id = workspaces.id)`,
      generalChannelId: sql<
        string | null
      >`(select c.id from channels c where c.workspace_id = workspaces.id and c.name = ${GENERAL_CHANNEL})`,
    })
    .from(workspaces)
    .where(eq(workspaces.id, access.workspaceId));
  if (!row) throw new AppError("NOT_FOUND", "Workspace not found.");
  return { ...row, createdAt: isoTime(row.createdAt), role: access.role };
}

/** Adds a user to a workspace and its #general (a no-op for existing members). */
async function addToWorkspace(
  db: Db,
  workspaceId: string,
  userId: string,
  role: WorkspaceRole = "member",
) {
  const [added] = await db
    .insert(workspaceMembers)
    .values({ workspaceId, userId, role })
    .onConflictDoNothing()
    .returning({ userId: workspaceMembers.userId });
  if (added) {
    // Newcomers start with #general's history read, as in a room they just walked into.
    await db.execute(sql`
      INSERT INTO channel_members (channel_id, user_id, role, last_read_sequence)
      SELECT id, ${userId}, 'member', last_sequence FROM channels
       WHERE workspace_id = ${workspaceId} AND name = ${GENERAL_CHANNEL}
      ON CONFLICT DO NOTHING`);
  }
  return Boolean(added);
}

const INVITE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
function inviteCode(): string {
  const bytes = randomBytes(16);
  let code = "";
  for (const byte of bytes) code += INVITE_ALPHABET[byte % INVITE_ALPHABET.length];
  return code;
}

export async function createInvite(
  db: Db,
  workspaceId: string,
  userId: string,
  options: { expiresInHours: number; maxUses: number | null },
) {
  const expiresAt = new Date(Date.now() + options.expiresInHours * 3600_000);
  const [invite] = await db
    .insert(workspaceInvites)
    .values({
      workspaceId,
      code: inviteCode(),
      createdBy: userId,
      expiresAt,
      maxUses: options.maxUses,
    })
    .returning({
      id: workspaceInvites.id,
      code: workspaceInvites.code,
      expiresAt: workspaceInvites.expiresAt,
      maxUses: workspaceInvites.maxUses,
    });
  const row = invite as { id: string; code: string; expiresAt: Date; maxUses: number | null };
  return { ...row, expiresAt: isoTime(row.expiresAt) };
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

export async function revokeInvite(db: Db, workspaceId: string, inviteId: string) {
  const [row] = await db
    .update(workspaceInvites)
    .set({ revokedAt: sql`coalesce(${workspaceInvites.revokedAt}, now())` })
    .where(and(eq(workspaceInvites.id, inviteId), eq(workspaceInvites.workspaceId, workspaceId)))
    .returning({ id: workspaceInvites.id });
  if (!row) throw new AppError("NOT_FOUND", "Invite not found.");
  return row;
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
  const usable =
    !row.revokedAt &&
    row.expiresAt.getTime() > Date.now() &&
    (row.maxUses === null || row.uses < row.maxUses);
  return { workspaceName: row.workspaceName, usable };
}

export async function joinWorkspace(
  db: Db,
  userId: string,
  code: string,
): Promise<{ workspaceId: string }> {
  return db.transaction(async (tx) => {
    const [invite] = await tx
      .select({
        id: workspaceInvites.id,
        workspaceId: workspaceInvites.workspaceId,
        expiresAt: workspaceInvites.expiresAt,
        revokedAt: workspaceInvites.revokedAt,
        maxUses: workspaceInvites.maxUses,
        uses: workspaceInvites.uses,
      })
      .from(workspaceInvites)
      .where(eq(workspaceInvites.code, code))
      .for("update")
      .limit(1);
    if (!invite)
      throw new AppError("NOT_FOUND", "This invite link is not valid. Ask for a new one.");
    const [existing] = await tx
      .select({ userId: workspaceMembers.userId })
      .from(workspaceMembers)
      .where(
        and(
          eq(workspaceMembers.workspaceId, invite.workspaceId),
          eq(workspaceMembers.userId, userId),
        ),
      );
    if (existing) return { workspaceId: invite.workspaceId };
    if (invite.revokedAt)
      throw new AppError("FORBIDDEN", "This invite link was revoked. Ask for a new one.");
    if (invite.expiresAt.getTime() <= Date.now()) {
      throw new AppError("FORBIDDEN", "This invite link has expired. Ask for a new one.");
    }
    if (invite.maxUses !== null && invite.uses >= invite.maxUses) {
      throw new AppError("FORBIDDEN", "This invite link has been used up. Ask for a new one.");
    }
    await addToWorkspace(tx, invite.workspaceId, userId);
    await tx
      .update(workspaceInvites)
      .set({ uses: sql`${workspaceInvites.uses} + 1` })
      .where(eq(workspaceInvites.id, invite.id));
    return { workspaceId: invite.workspaceId };
  });
}

export async function listMembers(db: Db, workspaceId: string) {
  const rows = await db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      role: workspaceMembers.role,
      joinedAt: workspaceMembers.joinedAt,
    })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(eq(workspaceMembers.workspaceId, workspaceId))
    .orderBy(asc(users.name), asc(users.id));
  return rows.map((row) => ({ ...row, joinedAt: isoTime(row.joinedAt) }));
}

export async function addMemberByEmail(db: Db, workspaceId: string, email: string) {
  const [user] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
    .limit(1);
  if (!user)
    throw new AppError(
      "NOT_FOUND",
      "No account uses this email; send them an invite link instead.",
    );
  const added = await db.transaction((tx) => addToWorkspace(tx, workspaceId, user.id));
  return { userId: user.id, added };
}

async function ownerCount(db: Db, workspaceId: string) {
  const [row] = await db
    .select({ owners: count() })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, "owner")));
  return row?.owners ?? 0;
}

async function memberRole(db: Db, workspaceId: string, userId: string) {
  const [row] = await db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .for("update");
  if (!row) throw new AppError("NOT_FOUND", "This person is not a member of the workspace.");
  return row.role;
}

/** Owners change any role; admins move people between member and admin. A workspace keeps an owner. */
export async function setRole(db: Db, actor: WorkspaceAccess, userId: string, role: WorkspaceRole) {
  return db.transaction(async (tx) => {
    const current = await memberRole(tx, actor.workspaceId, userId);
    if (actor.role !== "owner" && (current === "owner" || role === "owner")) {
      throw new AppError("FORBIDDEN", "Only owners can make or unmake owners.");
    }
    if (current === "owner" && role !== "owner" && (await ownerCount(tx, actor.workspaceId)) <= 1) {
      throw new AppError("CONFLICT", "A workspace needs an owner: make someone else owner first.");
    }
    await tx
      .update(workspaceMembers)
      .set({ role })
      .where(
        and(
          eq(workspaceMembers.workspaceId, actor.workspaceId),
          eq(workspaceMembers.userId, userId),
        ),
      );
    return { userId, role };
  });
}

/** Removes a member (or, with userId = self, leaves), with their channel memberships. */
export async function removeMember(
  db: Db,
  actor: WorkspaceAccess & { userId: string },
  userId: string,
) {
  return db.transaction(async (tx) => {
    const current = await memberRole(tx, actor.workspaceId, userId);
    if (userId !== actor.userId) {
      if (actor.role === "member")
        throw new AppError("FORBIDDEN", "Only workspace owners and admins can remove people.");
      if (current === "owner" && actor.role !== "owner")
        throw new AppError("FORBIDDEN", "Only owners can remove an owner.");
    }
    if (current === "owner" && (await ownerCount(tx, actor.workspaceId)) <= 1) {
      throw new AppError("CONFLICT", "A workspace needs an owner: make someone else owner first.");
    }
    const channelIds = tx
      .select({ id: channels.id })
      .from(channels)
      .where(eq(channels.workspaceId, actor.workspaceId));
    await tx
      .delete(channelMembers)
      .where(and(eq(channelMembers.userId, userId), inArray(channelMembers.channelId, channelIds)));
    await tx
      .delete(workspaceMembers)
      .where(
        and(
          eq(workspaceMembers.workspaceId, actor.workspaceId),
          eq(workspaceMembers.userId, userId),
        ),
      );
    return { userId };
  });
}
