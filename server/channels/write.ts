/** Channels: creation, membership, settings and archiving. */
import { and, eq, isNotNull, ne, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channelMembers, channels, workspaceMembers } from "@/db/schema";
import { col } from "@/db/targets";
import { isoTime } from "@/lib/time";
import type { ChannelAccess } from "@/server/access";
import type { ChangeSet } from "@/server/changes";
import { AppError, uniqueViolation } from "@/server/errors";
import { GENERAL_CHANNEL } from "@/server/workspaces/read";

const nameTaken = (name: string) =>
  new AppError(
    "CONFLICT",
    `A channel named #${name} already exists in this workspace; pick another name.`,
  );

/**
 * Refuses a name only when the person naming the channel can see a channel
 * that has it (a public one, or a private one they are in), so CONFLICT never
 * reveals a private channel to someone outside it. Public names are also
 * unique in the schema; an advisory lock on (workspace, name) makes
 * concurrent creations and renames take turns.
 */
async function claimName(
  tx: Db,
  workspaceId: string,
  userId: string,
  name: string,
  exceptChannelId?: string,
) {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${workspaceId}/${name}`}, 0))`,
  );
  const [visible] = await tx
    .select({ id: channels.id })
    .from(channels)
    .leftJoin(
      channelMembers,
      and(eq(channelMembers.channelId, channels.id), eq(channelMembers.userId, userId)),
    )
    .where(
      and(
        eq(channels.workspaceId, workspaceId),
        eq(channels.name, name),
        exceptChannelId ? ne(channels.id, exceptChannelId) : undefined,
        or(eq(channels.isPrivate, false), isNotNull(channelMembers.userId)),
      ),
    )
    .limit(1);
  if (visible) throw nameTaken(name);
}

export async function createChannel(
  db: Db,
  changes: ChangeSet,
  userId: string,
  workspaceId: string,
  input: { name: string; isPrivate: boolean; topic?: string },
) {
  try {
    const created = await db.transaction(async (tx) => {
      await claimName(tx, workspaceId, userId, input.name);
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
    changes.workspaceSidebar(workspaceId, { channelIds: [created.id] });
    return created;
  } catch (error) {
    if (uniqueViolation(error) === "channels_workspace_public_name_uq") throw nameTaken(input.name);
    throw error;
  }
}

/**
 * Makes `userId` a plain member of the channel(s) matching `where`, with
 * their history read, as in a room one just walked into. Whether anything
 * was added (existing members stay as they are).
 */
export async function joinAtLatest(db: Db, where: SQL, userId: string): Promise<boolean> {
  const result = await db.execute(sql`
    INSERT INTO ${channelMembers} (${col(channelMembers.channelId)}, ${col(channelMembers.userId)},
                                   ${col(channelMembers.role)}, ${col(channelMembers.lastReadSequence)})
    SELECT ${channels.id}, ${userId}, 'member', ${channels.lastSequence} FROM ${channels} WHERE ${where}
    ON CONFLICT DO NOTHING`);
  return (result.rowCount ?? 0) > 0;
}

/** Adds a workspace member to a channel; they start with its history read. No-op for members. */
export async function addChannelMember(
  db: Db,
  changes: ChangeSet,
  access: ChannelAccess,
  userId: string,
) {
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
  const added = await joinAtLatest(db, eq(channels.id, access.id), userId);
  changes.sidebar([userId], { channelIds: [access.id] });
  return { channelId: access.id, userId, added };
}

/** #general holds everyone in the workspace: nobody leaves it or is removed from it, and it is never archived. */
function refuseForGeneral(access: ChannelAccess, what: string) {
  if (access.name === GENERAL_CHANNEL)
    throw new AppError(
      "FORBIDDEN",
      `#${GENERAL_CHANNEL} is where everyone in the workspace is; ${what}.`,
    );
}

export async function removeChannelMember(
  db: Db,
  changes: ChangeSet,
  access: ChannelAccess,
  userId: string,
  reason: string,
) {
  refuseForGeneral(
    access,
    "nobody can leave it or be removed from it (remove them from the workspace instead)",
  );
  const channelId = access.id;
  const removed = await db
    .delete(channelMembers)
    .where(and(eq(channelMembers.channelId, channelId), eq(channelMembers.userId, userId)))
    .returning({ userId: channelMembers.userId });
  if (removed.length === 0)
    throw new AppError("NOT_FOUND", "This person is not a member of the channel.");
  changes.access(userId, reason);
  changes.sidebar([userId], { channelIds: [channelId] });
  return { channelId, userId };
}

export async function updateChannel(
  db: Db,
  changes: ChangeSet,
  userId: string,
  access: ChannelAccess,
  input: { name?: string; topic?: string; broadcast?: "members" | "admins" },
) {
  if (access.archived)
    throw new AppError("FORBIDDEN", "This channel is archived and read-only; unarchive it first.");
  const update: { name?: string; topic?: string; broadcast?: "members" | "admins" } = {};
  if (input.name !== undefined) {
    if (access.name === GENERAL_CHANNEL && input.name !== GENERAL_CHANNEL)
      throw new AppError(
        "FORBIDDEN",
        `#${GENERAL_CHANNEL} keeps its name: everyone looks for it there.`,
      );
    update.name = input.name;
  }
  if (input.topic !== undefined) update.topic = input.topic;
  if (input.broadcast !== undefined) update.broadcast = input.broadcast;
  if (Object.keys(update).length === 0)
    throw new AppError("BAD_REQUEST", "name, topic, broadcast: give at least one to change.");
  try {
    const [row] = await db.transaction(async (tx) => {
      if (update.name !== undefined && update.name !== access.name)
        await claimName(tx, access.workspaceId, userId, update.name, access.id);
      return tx.update(channels).set(update).where(eq(channels.id, access.id)).returning({
        id: channels.id,
        name: channels.name,
        topic: channels.topic,
        broadcast: channels.broadcast,
      });
    });
    changes.workspaceSidebar(access.workspaceId, { channelIds: [access.id] });
    return row as { id: string; name: string; topic: string; broadcast: "members" | "admins" };
  } catch (error) {
    if (uniqueViolation(error) === "channels_workspace_public_name_uq")
      throw nameTaken(input.name ?? "");
    throw error;
  }
}

export async function setArchived(
  db: Db,
  changes: ChangeSet,
  access: ChannelAccess,
  archived: boolean,
) {
  if (archived) refuseForGeneral(access, "it cannot be archived");
  const [row] = await db
    .update(channels)
    .set({ archivedAt: archived ? sql`coalesce(${channels.archivedAt}, now())` : null })
    .where(eq(channels.id, access.id))
    .returning({ id: channels.id, archivedAt: channels.archivedAt });
  changes.workspaceSidebar(access.workspaceId, { channelIds: [access.id] });
  return { id: access.id, archivedAt: isoTime(row?.archivedAt ?? null) };
}
