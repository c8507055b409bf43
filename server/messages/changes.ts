/**
 * Changes to stored messages: edits, deletions (tombstones), reactions, and
 * read positions. Every change takes the next revision of its target in the
 * same transaction that makes it and is recorded in `message_events`, so
 * event streams can replay exactly what happened after any position.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { mentions, messages, reactions } from "@/db/schema";
import type { MessageRef } from "@/server/access";
import { AppError } from "@/server/errors";
import type { MessageEvent, MessageEventType } from "@/server/realtime/events";
import { readMessages } from "./read";
import { mentionedUserIds } from "./send";
import type { MessageView, Target } from "./types";

const targetTable = (target: Target) =>
  sql.raw(target.kind === "channel" ? "channels" : "conversations");
const targetColumn = (target: Target) =>
  sql.raw(target.kind === "channel" ? "channel_id" : "conversation_id");

/** Takes the target's next revision, stamps it on the message and records the event. */
async function recordChange(
  tx: Db,
  message: MessageRef,
  type: MessageEventType,
  actorId: string,
  emoji: string | null = null,
): Promise<number> {
  const { target } = message;
  const writable = target.kind === "channel" ? sql`AND archived_at IS NULL` : sql``;
  const result = await tx.execute<{ revision: number }>(sql`
    WITH r AS (
      UPDATE ${targetTable(target)} SET last_revision = last_revision + 1
       WHERE id = ${target.id} ${writable}
   RETURNING last_revision AS revision
    ),
    m AS (UPDATE messages SET revision = r.revision FROM r WHERE messages.id = ${message.id}),
    e AS (
      INSERT INTO message_events (${targetColumn(target)}, revision, kind, message_id, actor_id, emoji)
      SELECT ${target.id}, r.revision, ${type}::message_event_kind, ${message.id}, ${actorId}, ${emoji} FROM r
    )
    SELECT revision FROM r`);
  const revision = result.rows[0]?.revision;
  if (revision === undefined)
    throw new AppError("FORBIDDEN", "This channel is archived and read-only.");
  return revision;
}

async function lockMessage(tx: Db, messageId: string) {
  const [row] = await tx
    .select({ body: messages.body, deletedAt: messages.deletedAt })
    .from(messages)
    .where(eq(messages.id, messageId))
    .for("update");
  if (!row) throw new AppError("NOT_FOUND", "Message not found.");
  return row;
}

async function currentView(tx: Db, messageId: string): Promise<MessageView> {
  const [view] = await readMessages(tx, eq(messages.id, messageId));
  if (!view) throw new AppError("NOT_FOUND", "Message not found.");
  return view;
}

async function eventFor(
  tx: Db,
  message: MessageRef,
  type: MessageEventType,
  position: number,
  actorId: string,
  reaction: MessageEvent["reaction"] = null,
): Promise<MessageEvent> {
  const view = await currentView(tx, message.id);
  return {
    type,
    position,
    channelId: view.channelId,
    conversationId: view.conversationId,
    message: view,
    reaction,
    actorId,
    at: new Date().toISOString(),
  };
}

async function replaceMentions(tx: Db, message: MessageRef, body: string | null) {
  await tx.delete(mentions).where(eq(mentions.messageId, message.id));
  const ids = body ? mentionedUserIds(body) : [];
  if (ids.length === 0) return;
  await tx.execute(sql`
    INSERT INTO mentions (message_id, user_id, ${targetColumn(message.target)}, sequence)
    SELECT ${message.id}, u.id, ${message.target.id}, ${message.sequence}
      FROM users u WHERE u.id = ANY(${sql.param(ids)}::uuid[])`);
}

/** Edits a message's body; null when the body is unchanged (nothing to record). */
type Change = { event: MessageEvent | null; message: MessageView };

export async function editMessage(
  db: Db,
  actorId: string,
  message: MessageRef,
  body: string,
): Promise<Change> {
  return db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt)
      throw new AppError("CONFLICT", "This message was deleted; it can no longer be edited.");
    if (current.body === body) return { event: null, message: await currentView(tx, message.id) };
    await tx
      .update(messages)
      .set({ body, editedAt: new Date() })
      .where(eq(messages.id, message.id));
    await replaceMentions(tx, message, body);
    const revision = await recordChange(tx, message, "message.updated", actorId);
    const event = await eventFor(tx, message, "message.updated", revision, actorId);
    return { event, message: event.message };
  });
}

/** Deletes a message, leaving a tombstone at its sequence. Deleting a tombstone changes nothing. */
export async function deleteMessage(db: Db, actorId: string, message: MessageRef): Promise<Change> {
  return db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt) return { event: null, message: await currentView(tx, message.id) };
    await tx
      .update(messages)
      .set({ body: "", deletedAt: new Date(), deletedBy: actorId })
      .where(eq(messages.id, message.id));
    await tx.delete(reactions).where(eq(reactions.messageId, message.id));
    await replaceMentions(tx, message, null);
    const revision = await recordChange(tx, message, "message.deleted", actorId);
    const event = await eventFor(tx, message, "message.deleted", revision, actorId);
    return { event, message: event.message };
  });
}

/** Adds or removes the user's reaction; a no-op (null event) when it is already so. */
export async function setReaction(
  db: Db,
  userId: string,
  message: MessageRef,
  emoji: string,
  present: boolean,
): Promise<Change> {
  return db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt)
      throw new AppError("CONFLICT", "This message was deleted; it takes no reactions.");
    const changed = present
      ? await tx
          .insert(reactions)
          .values({ messageId: message.id, userId, emoji })
          .onConflictDoNothing()
          .returning({ emoji: reactions.emoji })
      : await tx
          .delete(reactions)
          .where(
            and(
              eq(reactions.messageId, message.id),
              eq(reactions.userId, userId),
              eq(reactions.emoji, emoji),
            ),
          )
          .returning({ emoji: reactions.emoji });
    if (changed.length === 0) return { event: null, message: await currentView(tx, message.id) };
    if (present) {
      const [distinct] = await tx
        .execute<{ n: number }>(
          sql`SELECT count(DISTINCT emoji)::int AS n FROM reactions WHERE message_id = ${message.id}`,
        )
        .then((r) => r.rows);
      if ((distinct?.n ?? 0) > 50)
        throw new AppError("BAD_REQUEST", "emoji: a message takes at most 50 different reactions.");
    }
    const type = present ? "reaction.added" : "reaction.removed";
    const revision = await recordChange(tx, message, type, userId, emoji);
    const event = await eventFor(tx, message, type, revision, userId, { emoji, userId });
    return { event, message: event.message };
  });
}

/**
 * Moves the user's read position forward to `sequence` (capped at the latest
 * message); never backwards. Returns the position and what is left unread.
 */
export async function markRead(db: Db, userId: string, target: Target, sequence: number) {
  const members = sql.raw(target.kind === "channel" ? "channel_members" : "conversation_members");
  const result = await db.execute<{
    last_read_sequence: number;
    unread_count: number;
    mention_count: number;
  }>(sql`
    WITH t AS (SELECT last_sequence FROM ${targetTable(target)} WHERE id = ${target.id}),
    u AS (
      UPDATE ${members} AS cm
         SET last_read_sequence = GREATEST(cm.last_read_sequence, LEAST(${sequence}::int, t.last_sequence))
        FROM t
       WHERE cm.${targetColumn(target)} = ${target.id} AND cm.user_id = ${userId}
   RETURNING cm.last_read_sequence
    )
    SELECT u.last_read_sequence,
           (SELECT count(*)::int FROM messages m
             WHERE m.${targetColumn(target)} = ${target.id} AND m.sequence > u.last_read_sequence
               AND m.author_id <> ${userId} AND m.deleted_at IS NULL) AS unread_count,
           (SELECT count(*)::int FROM mentions mn
             WHERE mn.user_id = ${userId} AND mn.${targetColumn(target)} = ${target.id}
               AND mn.sequence > u.last_read_sequence) AS mention_count
      FROM u`);
  const row = result.rows[0];
  if (!row)
    throw new AppError("NOT_FOUND", "You are not a member of this channel or conversation.");
  return {
    lastReadSequence: row.last_read_sequence,
    unreadCount: row.unread_count,
    mentionCount: row.mention_count,
  };
}

/**
 * A window of history in ascending sequence: the latest `limit` messages, or
 * those before and/or after a sequence (exclusive).
 */
export function listMessages(
  db: Db,
  target: Target,
  window: { before?: number; after?: number; limit: number },
) {
  const column = target.kind === "channel" ? messages.channelId : messages.conversationId;
  const conditions = [eq(column, target.id)];
  if (window.before !== undefined) conditions.push(sql`${messages.sequence} < ${window.before}`);
  if (window.after !== undefined) conditions.push(sql`${messages.sequence} > ${window.after}`);
  // Walk forward from `after`; otherwise take the newest end of the window.
  return readMessages(db, and(...conditions), {
    limit: window.limit,
    descending: window.after === undefined,
  });
}
