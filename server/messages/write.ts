/**
 * Writes to messages, access already checked: sending (through the send
 * queue), edits, deletions (tombstones), reactions, read positions and typing.
 * Every change of a stored message takes the next revision of its target in
 * the transaction that makes it and is recorded in `message_events`, so event
 * streams can replay exactly what happened after any position; each write
 * records what it changed in the ChangeSet it is given, for the publish step.
 */
import { and, countDistinct, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { parseRows, zInt } from "@/db/rows";
import { channels, mentions, messageEvents, messages, reactions, users } from "@/db/schema";
import { col, storageOf } from "@/db/targets";
import { env } from "@/lib/env";
import { mentionedUserIds } from "@/lib/mentions";
import { type Target, targetColumns } from "@/lib/target";
import type { MessageRef, TargetAccess } from "@/server/access";
import { loadMessageRef } from "@/server/access";
import { type ChangeSet, itemsOf } from "@/server/changes";
import { AppError } from "@/server/errors";
import { enforce } from "@/server/ratelimit";
import type { MessageEvent, MessageEventType, Typist } from "@/server/realtime/events";
import { readMessages } from "./read";
import { sendQueue } from "./send-queue";
import type { MessageView } from "./types";

export function createdEvent(message: MessageView): MessageEvent {
  return {
    type: "message.created",
    position: message.revision,
    channelId: message.channelId,
    conversationId: message.conversationId,
    message,
    reaction: null,
    actorId: message.author.id,
    at: message.createdAt,
  };
}

/** Stores a message at its target's next sequence; the same clientMessageId returns the stored one. */
export async function postMessage(
  db: Db,
  changes: ChangeSet,
  author: Typist,
  target: TargetAccess,
  input: { body: string; clientMessageId: string; parentId?: string | null },
): Promise<MessageView> {
  await enforce(`send:${author.userId}`, env().RATE_LIMIT_SEND, "messages");
  const place: Target = { kind: target.kind, id: target.id };
  if (input.parentId) {
    const parent = await loadMessageRef(db, input.parentId);
    if (!parent || parent.target.kind !== place.kind || parent.target.id !== place.id) {
      throw new AppError("NOT_FOUND", "parentId: no such message in this channel or conversation.");
    }
  }
  const result = await sendQueue(db).send({
    authorId: author.userId,
    target: place,
    body: input.body,
    clientMessageId: input.clientMessageId,
    parentId: input.parentId ?? null,
  });
  if (!result.ok) throw result.error;
  if (result.created) {
    changes.message(createdEvent(result.message));
    changes.add({ type: "typing", target: place, typist: author, typing: false });
  }
  return result.message;
}

/** Says the author is typing in a target (members see it for 5 s unless it is said again). */
export function sayTyping(changes: ChangeSet, target: Target, typist: Typist) {
  changes.add({ type: "typing", target, typist, typing: true });
}

/** Takes the target's next revision, stamps it on the message and records the event. */
async function recordChange(
  tx: Db,
  message: MessageRef,
  type: MessageEventType,
  actorId: string,
  emoji: string | null = null,
): Promise<number> {
  const { target } = message;
  const stored = storageOf(target);
  const writable = target.kind === "channel" ? sql`AND ${col(channels.archivedAt)} IS NULL` : sql``;
  const result = await tx.execute(sql`
    WITH r AS (
      UPDATE ${stored.table} SET ${col(stored.lastRevision)} = ${col(stored.lastRevision)} + 1
       WHERE ${col(stored.id)} = ${target.id} ${writable}
   RETURNING ${col(stored.lastRevision)} AS revision
    ),
    m AS (UPDATE ${messages} SET ${col(messages.revision)} = r.revision FROM r WHERE ${messages.id} = ${message.id}),
    e AS (
      INSERT INTO ${messageEvents} (${col(stored.eventTarget)}, ${col(messageEvents.revision)}, ${col(messageEvents.kind)},
                                   ${col(messageEvents.messageId)}, ${col(messageEvents.actorId)}, ${col(messageEvents.emoji)})
      SELECT ${target.id}, r.revision, ${type}::message_event_kind, ${message.id}, ${actorId}, ${emoji} FROM r
    )
    SELECT revision FROM r`);
  const [row] = parseRows(result, z.object({ revision: zInt }));
  if (!row) throw new AppError("FORBIDDEN", "This channel is archived and read-only.");
  return row.revision;
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

/** Records a change of a message and returns the event that announces it. */
async function changed(
  tx: Db,
  message: MessageRef,
  type: MessageEventType,
  actorId: string,
  reaction: MessageEvent["reaction"] = null,
): Promise<MessageEvent> {
  const position = await recordChange(tx, message, type, actorId, reaction?.emoji ?? null);
  const view = await currentView(tx, message.id);
  return {
    type,
    position,
    ...targetColumns(message.target),
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
  const stored = storageOf(message.target);
  await tx.execute(sql`
    INSERT INTO ${mentions} (${col(mentions.messageId)}, ${col(mentions.userId)},
                                  ${col(stored.mentionTarget)}, ${col(mentions.sequence)})
    SELECT ${message.id}, ${users.id}, ${message.target.id}, ${message.sequence}
      FROM ${users} WHERE ${users.id} = ANY(${sql.param(ids)}::uuid[])`);
}

/** The message after a change, or as it is when nothing changed. */
async function settle(
  tx: Db,
  changes: ChangeSet,
  messageId: string,
  event: MessageEvent | null,
): Promise<MessageView> {
  changes.message(event);
  return event ? event.message : currentView(tx, messageId);
}

/** Edits a message's body; records nothing when the body is unchanged. */
export async function editMessage(
  db: Db,
  changes: ChangeSet,
  actorId: string,
  message: MessageRef,
  body: string,
): Promise<MessageView> {
  const event = await db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt)
      throw new AppError("CONFLICT", "This message was deleted; it can no longer be edited.");
    if (current.body === body) return null;
    await tx
      .update(messages)
      .set({ body, editedAt: new Date() })
      .where(eq(messages.id, message.id));
    await replaceMentions(tx, message, body);
    return changed(tx, message, "message.updated", actorId);
  });
  return settle(db, changes, message.id, event);
}

/** Deletes a message, leaving a tombstone at its sequence. Deleting a tombstone changes nothing. */
export async function deleteMessage(
  db: Db,
  changes: ChangeSet,
  actorId: string,
  message: MessageRef,
): Promise<MessageView> {
  const event = await db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt) return null;
    await tx
      .update(messages)
      .set({ body: "", deletedAt: new Date(), deletedBy: actorId })
      .where(eq(messages.id, message.id));
    await tx.delete(reactions).where(eq(reactions.messageId, message.id));
    await replaceMentions(tx, message, null);
    return changed(tx, message, "message.deleted", actorId);
  });
  return settle(db, changes, message.id, event);
}

/** A message takes at most this many different emoji. */
const MAX_DISTINCT_REACTIONS = 50;

/** Adds or removes the user's reaction; records nothing when it is already so. */
export async function setReaction(
  db: Db,
  changes: ChangeSet,
  userId: string,
  message: MessageRef,
  emoji: string,
  present: boolean,
): Promise<MessageView> {
  const event = await db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt)
      throw new AppError("CONFLICT", "This message was deleted; it takes no reactions.");
    const mine = and(
      eq(reactions.messageId, message.id),
      eq(reactions.userId, userId),
      eq(reactions.emoji, emoji),
    );
    const touched = present
      ? await tx
          .insert(reactions)
          .values({ messageId: message.id, userId, emoji })
          .onConflictDoNothing()
          .returning({ emoji: reactions.emoji })
      : await tx.delete(reactions).where(mine).returning({ emoji: reactions.emoji });
    if (touched.length === 0) return null;
    if (present) {
      const [distinct] = await tx
        .select({ n: countDistinct(reactions.emoji) })
        .from(reactions)
        .where(eq(reactions.messageId, message.id));
      if ((distinct?.n ?? 0) > MAX_DISTINCT_REACTIONS)
        throw new AppError(
          "BAD_REQUEST",
          `emoji: a message takes at most ${MAX_DISTINCT_REACTIONS} different reactions.`,
        );
    }
    const type = present ? "reaction.added" : "reaction.removed";
    return changed(tx, message, type, userId, { emoji, userId });
  });
  return settle(db, changes, message.id, event);
}

/**
 * Moves the user's read position forward to `sequence` (capped at the latest
 * message); never backwards. Returns the position and what is left unread.
 */
export async function markRead(
  db: Db,
  changes: ChangeSet,
  userId: string,
  target: Target,
  sequence: number,
) {
  const stored = storageOf(target);
  const result = await db.execute(sql`
    WITH t AS (SELECT ${col(stored.lastSequence)} AS last_sequence FROM ${stored.table} WHERE ${col(stored.id)} = ${target.id}),
    u AS (
      UPDATE ${stored.members} AS cm
         SET ${col(stored.lastReadSequence)} = GREATEST(cm.${col(stored.lastReadSequence)}, LEAST(${sequence}::int, t.last_sequence))
        FROM t
       WHERE cm.${col(stored.memberTarget)} = ${target.id} AND cm.${col(stored.memberUser)} = ${userId}
   RETURNING cm.${col(stored.lastReadSequence)} AS last_read_sequence
    )
    SELECT u.last_read_sequence,
           (SELECT count(*)::int FROM ${messages} m
             WHERE m.${col(stored.messageTarget)} = ${target.id} AND m.${col(messages.sequence)} > u.last_read_sequence
               AND m.${col(messages.authorId)} <> ${userId} AND m.${col(messages.deletedAt)} IS NULL) AS unread_count,
           (SELECT count(*)::int FROM ${mentions} mn
             WHERE mn.${col(mentions.userId)} = ${userId} AND mn.${col(stored.mentionTarget)} = ${target.id}
               AND mn.${col(mentions.sequence)} > u.last_read_sequence) AS mention_count
      FROM u`);
  const [row] = parseRows(
    result,
    z.object({ last_read_sequence: zInt, unread_count: zInt, mention_count: zInt }),
  );
  if (!row)
    throw new AppError("NOT_FOUND", "You are not a member of this channel or conversation.");
  // The user's other tabs show the same counts.
  changes.sidebar([userId], itemsOf(target));
  return {
    lastReadSequence: row.last_read_sequence,
    unreadCount: row.unread_count,
    mentionCount: row.mention_count,
  };
}
