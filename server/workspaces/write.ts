/** Workspaces: creation with an owner and #general, invite links, joining, roles and leaving. */
import { randomBytes } from "node:crypto";
import { and, count, eq, inArray, isNotNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  channelMembers,
  channels,
  users,
  type WorkspaceRole,
  workspaceInvitations,
  workspaceInvites,
  workspaceMembers,
  workspaces,
} from "@/db/schema";
import { env } from "@/lib/env";
import { isoTime } from "@/lib/time";
import type { WorkspaceAccess } from "@/server/access";
import { hashToken, newToken } from "@/server/auth/email-tokens";
import type { ChangeSet } from "@/server/changes";
import { joinAtLatest } from "@/server/channels/write";
import { AppError } from "@/server/errors";
import { normalizeEmail } from "@/server/users/read";
import { GENERAL_CHANNEL, pendingInvitation } from "./read";

const INVITE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
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
    await joinAtLatest(
      db,
      and(
        eq(channels.workspaceId, workspaceId),
        eq(channels.name, GENERAL_CHANNEL),
        eq(channels.isPrivate, false),
      ) as SQL,
      userId,
    );
  }
  return Boolean(added);
}

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

export async function revokeInvite(db: Db, workspaceId: string, inviteId: string) {
  const [row] = await db
    .update(workspaceInvites)
    .set({ revokedAt: sql`coalesce(${workspaceInvites.revokedAt}, now())` })
    .where(and(eq(workspaceInvites.id, inviteId), eq(workspaceInvites.workspaceId, workspaceId)))
    .returning({ id: workspaceInvites.id });
  if (!row) throw new AppError("NOT_FOUND", "Invite not found.");
  return row;
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

export const INVITATION_DAYS = 14;

/**
 * Invites a person by email to join. Nobody is added without accepting, and
 * the answer is the same whether or not the address has an account (the
 * invitation waits for whoever signs up with it). Inviting the same address
 * again renews its invitation. The returned `token` is the secret of the
 * mailed link (only its hash is kept): whoever opens that link read the
 * invited address's mail.
 */
export async function inviteByEmail(
  db: Db,
  actor: { workspaceId: string; userId: string },
  email: string,
) {
  const token = newToken();
  const [row] = await db
    .insert(workspaceInvitations)
    .values({
      workspaceId: actor.workspaceId,
      email: normalizeEmail(email),
      invitedBy: actor.userId,
      expiresAt: sql`now() + make_interval(days => ${INVITATION_DAYS})`,
      tokenHash: hashToken(token),
    })
    .onConflictDoUpdate({
      target: [workspaceInvitations.workspaceId, workspaceInvitations.email],
      set: {
        invitedBy: actor.userId,
        createdAt: sql`now()`,
        expiresAt: sql`now() + make_interval(days => ${INVITATION_DAYS})`,
        acceptedAt: null,
        declinedAt: null,
        revokedAt: null,
        tokenHash: hashToken(token),
      },
    })
    .returning({
      invitationId: workspaceInvitations.id,
      email: workspaceInvitations.email,
      expiresAt: workspaceInvitations.expiresAt,
    });
  const invitation = row as { invitationId: string; email: string; expiresAt: Date };
  return { ...invitation, expiresAt: isoTime(invitation.expiresAt), token };
}

export async function revokeInvitation(db: Db, workspaceId: string, invitationId: string) {
  const [row] = await db
    .update(workspaceInvitations)
    .set({ revokedAt: sql`coalesce(${workspaceInvitations.revokedAt}, now())` })
    .where(
      and(
        eq(workspaceInvitations.id, invitationId),
        eq(workspaceInvitations.workspaceId, workspaceId),
      ),
    )
    .returning({ id: workspaceInvitations.id });
  if (!row) throw new AppError("NOT_FOUND", "Invitation not found.");
  return row;
}

/**
 * One of my pending invitations, locked; NOT_FOUND for anyone else's or a
 * settled one. With EMAIL_VERIFICATION=required, only once my address is
 * confirmed: an account with someone else's address cannot claim it.
 */
async function myPendingInvitation(tx: Db, userId: string, invitationId: string) {
  const [row] = await tx
    .select({ id: workspaceInvitations.id, workspaceId: workspaceInvitations.workspaceId })
    .from(workspaceInvitations)
    .innerJoin(users, eq(users.email, workspaceInvitations.email))
    .where(
      and(
        eq(workspaceInvitations.id, invitationId),
        eq(users.id, userId),
        pendingInvitation,
        env().emailVerification ? isNotNull(users.emailVerified) : undefined,
      ),
    )
    .for("update", { of: workspaceInvitations })
    .limit(1);
  if (!row) throw new AppError("NOT_FOUND", "Invitation not found, or no longer open.");
  return row;
}

export async function acceptInvitation(db: Db, userId: string, invitationId: string) {
  return db.transaction(async (tx) => {
    const invitation = await myPendingInvitation(tx, userId, invitationId);
    await addToWorkspace(tx, invitation.workspaceId, userId);
    await tx
      .update(workspaceInvitations)
      .set({ acceptedAt: sql`now()` })
      .where(eq(workspaceInvitations.id, invitation.id));
    return { workspaceId: invitation.workspaceId };
  });
}

/**
 * Accepts an invitation through its mailed link, signed in to the account
 * with the invited address. Holding the link proves the address, so it counts
 * as confirmed from then on.
 */
export async function acceptInvitationLink(
  db: Db,
  user: { id: string; email: string },
  token: string,
): Promise<{ workspaceId: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        id: workspaceInvitations.id,
        workspaceId: workspaceInvitations.workspaceId,
        email: workspaceInvitations.email,
      })
      .from(workspaceInvitations)
      .where(and(eq(workspaceInvitations.tokenHash, hashToken(token)), pendingInvitation))
      .for("update")
      .limit(1);
    if (!row)
      throw new AppError(
        "NOT_FOUND",
        "This invitation is not open any more (accepted, declined, revoked or expired); ask for a new one.",
      );
    if (row.email !== user.email.toLowerCase())
      throw new AppError(
        "FORBIDDEN",
        `This invitation was sent to ${row.email}; sign in with that address to accept it.`,
      );
    await addToWorkspace(tx, row.workspaceId, user.id);
    await tx
      .update(workspaceInvitations)
      .set({ acceptedAt: sql`now()` })
      .where(eq(workspaceInvitations.id, row.id));
    await tx
      .update(users)
      .set({ emailVerified: sql`coalesce(${users.emailVerified}, now())` })
      .where(eq(users.id, user.id));
    return { workspaceId: row.workspaceId };
  });
}

export async function declineInvitation(db: Db, userId: string, invitationId: string) {
  return db.transaction(async (tx) => {
    const invitation = await myPendingInvitation(tx, userId, invitationId);
    await tx
      .update(workspaceInvitations)
      .set({ declinedAt: sql`now()` })
      .where(eq(workspaceInvitations.id, invitation.id));
    return { id: invitation.id };
  });
}

/**
 * Locks the workspace row for the rest of the transaction. Every change that
 * could take away an owner (a role change, a removal, leaving) takes this
 * lock before it counts owners, so two such changes never both see "another
 * owner remains" and leave none.
 */
/** Locks the workspace row against concurrent role changes; its name, as it stands. */
async function lockWorkspace(tx: Db, workspaceId: string): Promise<string> {
  const [row] = await tx
    .select({ name: workspaces.name })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId))
    .for("no key update");
  return row?.name ?? "";
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
export async function setRole(
  db: Db,
  actor: WorkspaceAccess & { userId: string },
  userId: string,
  role: WorkspaceRole,
) {
  return db.transaction(async (tx) => {
    await lockWorkspace(tx, actor.workspaceId);
    const current = await memberRole(tx, actor.workspaceId, userId);
    // Re-read under the lock: the actor may have been demoted a moment ago.
    const actorRole = await memberRole(tx, actor.workspaceId, actor.userId);
    if (actorRole !== "owner" && actorRole !== "admin")
      throw new AppError("FORBIDDEN", "Only workspace owners and admins can do this.");
    if (actorRole !== "owner" && (current === "owner" || role === "owner")) {
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

/**
 * Removes a member (or, with userId = self, leaves), with their channel
 * memberships; their streams end saying who removed them from where.
 */
export async function removeMember(
  db: Db,
  changes: ChangeSet,
  actor: WorkspaceAccess & { userId: string; name: string },
  userId: string,
) {
  let workspaceName = "";
  const removed = await db.transaction(async (tx) => {
    workspaceName = await lockWorkspace(tx, actor.workspaceId);
    const current = await memberRole(tx, actor.workspaceId, userId);
    if (userId !== actor.userId) {
      const actorRole = await memberRole(tx, actor.workspaceId, actor.userId);
      if (actorRole === "member")
        throw new AppError("FORBIDDEN", "Only workspace owners and admins can remove people.");
      if (current === "owner" && actorRole !== "owner")
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
  changes.access(
    userId,
    userId === actor.userId
      ? `You left the workspace ${workspaceName}.`
      : `${actor.name} removed you from the workspace ${workspaceName}.`,
  );
  return removed;
}
