/**
 * Writes to messages, access already checked: sending (through the send
 * queue), edits, deletions (tombstones), reactions, read positions and typing.
 * Every change of a stored message takes the next revision of its target in
 * the transaction that makes it and is recorded in `message_events`, so event
 * streams can replay exactly what happened after any position; each write
 * records what it changed in the ChangeSet it is given, for the publish step.
 */
import { and, countDistinct, eq, lt, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { parseRows, zInt } from "@/db/rows";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  mentions,
  messageEvents,
  messages,
  reactions,
  threadFollows,
  users,
  workspaceMembers,
} from "@/db/schema";
import { col, storageOf } from "@/db/targets";
import { env } from "@/lib/env";
import { broadcastsIn, mentionedUserIds } from "@/lib/mentions";
import { sameTarget, type Target, targetColumns } from "@/lib/target";
import { canModerate, loadMessageRef, type MessageRef, type TargetAccess } from "@/server/access";
import { type ChangeSet, itemsOf } from "@/server/changes";
import { AppError } from "@/server/errors";
import { filesToAttach } from "@/server/files/read";
import { ATTACH_WITHIN_MS, removeFilesOf, sweepQuietly } from "@/server/files/write";
import { enforce } from "@/server/ratelimit";
import type { MessageEvent, MessageEventType, Typist } from "@/server/realtime/events";
import { presence } from "@/server/realtime/presence";
import { mentionCount, unreadCount } from "./counts";
import { readMessages, replyUsers, threadSummaries } from "./read";
import { sendQueue } from "./send-queue";
import type { MessageView, ThreadSummary } from "./types";

export function createdEvent(message: MessageView, thread: ThreadSummary | null): MessageEvent {
  return {
    type: "message.created",
    position: message.revision,
    channelId: message.channelId,
    conversationId: message.conversationId,
    message,
    reaction: null,
    actorId: message.author.id,
    at: message.createdAt,
    thread,
  };
}

/** At most this many people are reached by one @channel or @here. */
const MAX_BROADCAST = 10_000;

/** Refuses @channel and @here where the channel keeps them for its admins; `to` says what it blocks. */
function refuseBroadcast(target: TargetAccess, to: "send" | "save the edit") {
  if (target.kind === "channel" && target.broadcast === "admins" && !canModerate(target)) {
    throw new AppError(
      "FORBIDDEN",
      `Only admins of #${target.name} can notify everyone with @channel or @here; remove it to ${to}.`,
    );
  }
}

/** The target's members besides `authorId`, at most MAX_BROADCAST of them; `among` narrows them. */
async function membersBesides(
  db: Db,
  authorId: string,
  target: TargetAccess,
  among?: (userId: string) => boolean,
): Promise<string[]> {
  const stored = storageOf(target);
  const members = await db
    .select({ userId: stored.memberUser })
    .from(stored.members)
    .where(and(eq(stored.memberTarget, target.id), ne(stored.memberUser, authorId)))
    .limit(MAX_BROADCAST);
  const ids = members.map((member) => member.userId);
  return among ? ids.filter(among) : ids;
}

async function onlineIn(workspaceId: string): Promise<(userId: string) => boolean> {
  const online = new Set(await presence().online(workspaceId));
  return (userId) => online.has(userId);
}

/**
 * Who an @channel (every member) or @here (members online now) in `body`
 * reaches besides its author; refused where the channel keeps them for admins.
 */
async function broadcastRecipients(
  db: Db,
  authorId: string,
  target: TargetAccess,
  body: string,
): Promise<string[]> {
  const broadcasts = broadcastsIn(body);
  if (broadcasts.size === 0) return [];
  refuseBroadcast(target, "send");
  if (broadcasts.has("channel")) return membersBesides(db, authorId, target);
  return membersBesides(db, authorId, target, await onlineIn(target.workspaceId));
}

/**
 * Who the broadcasts of an edited body reach. One the message already made
 * keeps whom it reached — @channel every member, @here those it reached when
 * sent (the stored mentions, less the `<@id>`s the edit removes) — and needs
 * no permission again; one the edit adds notifies as a send would, under the
 * same policy.
 */
async function editedBroadcastRecipients(
  tx: Db,
  authorId: string,
  target: TargetAccess,
  before: { body: string; mentioned: string[] },
  body: string,
): Promise<string[]> {
  const now = broadcastsIn(body);
  if (now.size === 0) return [];
  const then = broadcastsIn(before.body);
  if ([...now].some((broadcast) => !then.has(broadcast))) refuseBroadcast(target, "save the edit");
  if (now.has("channel")) return membersBesides(tx, authorId, target);
  if (then.has("here")) {
    const kept = new Set(mentionedUserIds(body));
    const unmentioned = new Set(mentionedUserIds(before.body).filter((id) => !kept.has(id)));
    return before.mentioned.filter((id) => id !== authorId && !unmentioned.has(id));
  }
  return membersBesides(tx, authorId, target, await onlineIn(target.workspaceId));
}

/** The root a reply goes under: the parent itself, or the parent's root when the parent is a reply. */
async function threadRoot(db: Db, target: Target, parentId: string): Promise<string> {
  const parent = await loadMessageRef(db, parentId);
  if (!parent || !sameTarget(parent.target, target)) {
    throw new AppError("NOT_FOUND", "parentId: no such message in this channel or conversation.");
  }
  return parent.parentId ?? parent.id;
}

/** Stores a message at its target's next sequence; the same clientMessageId returns the stored one. */
export async function postMessage(
  db: Db,
  changes: ChangeSet,
  author: Typist,
  target: TargetAccess,
  input: {
    body: string;
    clientMessageId: string;
    parentId?: string | null;
    alsoInChannel?: boolean;
    /** Stored uploads of the author's, in order. */
    fileIds?: string[];
  },
): Promise<MessageView> {
  await enforce(`send:${author.userId}`, env().RATE_LIMIT_SEND, "messages");
  const place: Target =
    target.kind === "channel"
      ? { kind: "channel", id: target.id }
      : { kind: "conversation", id: target.id };
  const parentId = input.parentId ? await threadRoot(db, place, input.parentId) : null;
  const files = await filesToAttach(
    db,
    {
      authorId: author.userId,
      workspaceId: target.workspaceId,
      clientMessageId: input.clientMessageId,
    },
    input.fileIds ?? [],
    ATTACH_WITHIN_MS,
  );
  const result = await sendQueue(db).send({
    authorId: author.userId,
    target: place,
    body: input.body,
    clientMessageId: input.clientMessageId,
    parentId,
    alsoInChannel: Boolean(parentId && input.alsoInChannel),
    alsoMentioned: await broadcastRecipients(db, author.userId, target, input.body),
    files,
  });
  if (!result.ok) throw result.error;
  if (result.created) {
    // The send counted the reply; who replied is read once it is committed.
    const thread = result.thread
      ? {
          ...result.thread,
          replyUsers:
            (await replyUsers(db, [result.thread.rootId])).get(result.thread.rootId) ?? [],
        }
      : null;
    changes.message(createdEvent(result.message, thread));
    changes.add({ type: "typing", target: place, typist: author, typing: false });
  }
  return result.message;
}

/**
 * Says the author is typing in a target (members see it for 5 s unless it is
 * said again); with a threadId, in that thread, whose root must be in the target.
 */
export async function sayTyping(db: Db, changes: ChangeSet, target: Target, typist: Typist) {
  let threadId: string | null = null;
  if (typist.threadId) {
    const root = await loadMessageRef(db, typist.threadId);
    if (!root || !sameTarget(root.target, target))
      throw new AppError("NOT_FOUND", "threadId: no such message in this channel or conversation.");
    if (root.parentId)
      throw new AppError(
        "BAD_REQUEST",
        `threadId: this message is a reply; name its thread's root (${root.parentId}).`,
      );
    threadId = root.id;
  }
  changes.add({ type: "typing", target, typist: { ...typist, threadId }, typing: true });
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
    .select({ body: messages.body, deletedAt: messages.deletedAt, pinnedAt: messages.pinnedAt })
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
    thread: message.parentId ? await threadSummary(tx, message.parentId) : null,
  };
}

/** A thread's root as it stands: its counts and who replied. */
export async function threadSummary(db: Db, rootId: string): Promise<ThreadSummary | null> {
  return (await threadSummaries(db, [rootId])).get(rootId) ?? null;
}

/** A reply went: its root counts the replies that are left, and when the last of them came. */
async function replyRemoved(tx: Db, rootId: string) {
  await tx
    .update(messages)
    .set({
      replyCount: sql`${messages.replyCount} - 1`,
      lastReplyAt: sql`(SELECT max(r.${col(messages.createdAt)}) FROM ${messages} AS r
                         WHERE r.${col(messages.parentId)} = ${rootId} AND r.${col(messages.deletedAt)} IS NULL)`,
    })
    .where(eq(messages.id, rootId));
}

/**
 * Records whom a message mentions: the `<@id>`s of its body and `also` (whom
 * its @channel or @here reached). A mention it keeps keeps its time (the
 * notification mails go by it); only those it drops or adds are written.
 */
async function replaceMentions(tx: Db, message: MessageRef, body: string, also: string[] = []) {
  const ids = [...new Set([...mentionedUserIds(body), ...also])];
  await tx
    .delete(mentions)
    .where(
      and(
        eq(mentions.messageId, message.id),
        ids.length > 0 ? sql`${mentions.userId} <> ALL(${sql.param(ids)}::uuid[])` : undefined,
      ),
    );
  if (ids.length === 0) return;
  const stored = storageOf(message.target);
  await tx.execute(sql`
    INSERT INTO ${mentions} (${col(mentions.messageId)}, ${col(mentions.userId)},
                                  ${col(stored.mentionTarget)}, ${col(mentions.sequence)})
    SELECT ${message.id}, ${users.id}, ${message.target.id}, ${message.sequence}
      FROM ${users} WHERE ${users.id} = ANY(${sql.param(ids)}::uuid[])
    ON CONFLICT DO NOTHING`);
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

/**
 * Edits a message's body and re-reads whom it mentions (its `<@id>`s and
 * broadcasts); records nothing when the body is unchanged.
 */
export async function editMessage(
  db: Db,
  changes: ChangeSet,
  actorId: string,
  message: MessageRef,
  target: TargetAccess,
  body: string,
): Promise<MessageView> {
  const event = await db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt)
      throw new AppError("CONFLICT", "This message was deleted; it can no longer be edited.");
    if (current.body === body) return null;
    const mentioned = await tx
      .select({ userId: mentions.userId })
      .from(mentions)
      .where(eq(mentions.messageId, message.id));
    const reached = await editedBroadcastRecipients(
      tx,
      actorId,
      target,
      { body: current.body, mentioned: mentioned.map((row) => row.userId) },
      body,
    );
    await tx
      .update(messages)
      .set({ body, editedAt: new Date() })
      .where(eq(messages.id, message.id));
    await replaceMentions(tx, message, body, reached);
    return changed(tx, message, "message.updated", actorId);
  });
  return settle(db, changes, message.id, event);
}

/**
 * Deletes a message, leaving a tombstone at its sequence, and removes its
 * files. Deleting a tombstone changes nothing.
 */
export async function deleteMessage(
  db: Db,
  changes: ChangeSet,
  actorId: string,
  message: MessageRef,
): Promise<MessageView> {
  let removedFiles: string[] = [];
  const event = await db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt) return null;
    await tx
      .update(messages)
      .set({
        body: "",
        deletedAt: new Date(),
        deletedBy: actorId,
        pinnedAt: null,
        pinnedBy: null,
        fileCount: 0,
      })
      .where(eq(messages.id, message.id));
    await tx.delete(reactions).where(eq(reactions.messageId, message.id));
    await replaceMentions(tx, message, "");
    // Its files go with it: unreadable from this commit on, their bytes removed right after.
    removedFiles = await removeFilesOf(tx, [message.id]);
    if (message.parentId) await replyRemoved(tx, message.parentId);
    return changed(tx, message, "message.deleted", actorId);
  });
  await sweepQuietly(db, removedFiles);
  return settle(db, changes, message.id, event);
}

/** Pins or unpins a message for everyone in its channel or conversation; records nothing when it is already so. */
export async function setPinned(
  db: Db,
  changes: ChangeSet,
  actorId: string,
  message: MessageRef,
  pinned: boolean,
): Promise<MessageView> {
  const event = await db.transaction(async (tx) => {
    const current = await lockMessage(tx, message.id);
    if (current.deletedAt)
      throw new AppError("CONFLICT", "This message was deleted; it cannot be pinned.");
    if ((current.pinnedAt !== null) === pinned) return null;
    await tx
      .update(messages)
      .set(
        pinned ? { pinnedAt: sql`now()`, pinnedBy: actorId } : { pinnedAt: null, pinnedBy: null },
      )
      .where(eq(messages.id, message.id));
    return changed(tx, message, "message.updated", actorId);
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
          .values({ messageId: message.id, userId, emoji, messageAuthorId: message.authorId })
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
 * Sets the user's read position in a target, capped at its latest message,
 * and returns it with what is left unread. `forward` never moves it back.
 */
async function setReadPosition(
  db: Db,
  changes: ChangeSet,
  userId: string,
  target: Target,
  sequence: number,
  mode: "forward" | "exact",
) {
  const stored = storageOf(target);
  const read = col(stored.lastReadSequence);
  const wanted = sql`LEAST(${sequence}::int, t.last_sequence)`;
  const result = await db.execute(sql`
    WITH t AS (SELECT ${col(stored.lastSequence)} AS last_sequence FROM ${stored.table} WHERE ${col(stored.id)} = ${target.id}),
    u AS (
      UPDATE ${stored.members} AS cm
         SET ${read} = ${mode === "forward" ? sql`GREATEST(cm.${read}, ${wanted})` : wanted}
        FROM t
       WHERE cm.${col(stored.memberTarget)} = ${target.id} AND cm.${col(stored.memberUser)} = ${userId}
   RETURNING cm.${read} AS last_read_sequence
    )
    SELECT u.last_read_sequence,
           ${unreadCount(target.kind, sql`${target.id}`, sql`u.last_read_sequence`, userId)} AS unread_count,
           ${mentionCount(target.kind, sql`${target.id}`, sql`u.last_read_sequence`, userId)} AS mention_count
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

/** Moves the user's read position forward to `sequence` (capped at the latest message); never back. */
export function markRead(
  db: Db,
  changes: ChangeSet,
  userId: string,
  target: Target,
  sequence: number,
) {
  return setReadPosition(db, changes, userId, target, sequence, "forward");
}

/**
 * "Mark unread from here": the read position moves back to just before
 * `sequence` — the one deliberate exception to read positions only moving forward.
 */
export function markUnread(
  db: Db,
  changes: ChangeSet,
  userId: string,
  target: Target,
  sequence: number,
) {
  return setReadPosition(db, changes, userId, target, Math.max(sequence - 1, 0), "exact");
}

/** Everything in a workspace counts as read: its channels, conversations, followed threads and activity. */
export async function markAllRead(db: Db, changes: ChangeSet, userId: string, workspaceId: string) {
  const [channelRows, conversationRows] = await db.transaction(async (tx) => {
    const inChannels = await tx
      .update(channelMembers)
      .set({ lastReadSequence: sql`${channels.lastSequence}` })
      .from(channels)
      .where(
        and(
          eq(channels.id, channelMembers.channelId),
          eq(channels.workspaceId, workspaceId),
          eq(channelMembers.userId, userId),
          lt(channelMembers.lastReadSequence, channels.lastSequence),
        ),
      )
      .returning({ id: channelMembers.channelId });
    const inConversations = await tx
      .update(conversationMembers)
      .set({ lastReadSequence: sql`${conversations.lastSequence}` })
      .from(conversations)
      .where(
        and(
          eq(conversations.id, conversationMembers.conversationId),
          eq(conversations.workspaceId, workspaceId),
          eq(conversationMembers.userId, userId),
          lt(conversationMembers.lastReadSequence, conversations.lastSequence),
        ),
      )
      .returning({ id: conversationMembers.conversationId });
    // Only the threads of this workspace: a root is in one of its channels or conversations.
    await tx.execute(sql`
      UPDATE ${threadFollows} SET ${col(threadFollows.lastReadSequence)} = last.sequence
        FROM (SELECT reply.${col(messages.parentId)} AS root_id, max(reply.${col(messages.sequence)}) AS sequence
                FROM ${messages} AS reply
                JOIN ${threadFollows} AS f ON f.${col(threadFollows.rootId)} = reply.${col(messages.parentId)}
                                          AND f.${col(threadFollows.userId)} = ${userId}
                JOIN ${messages} AS root ON root.${col(messages.id)} = reply.${col(messages.parentId)}
               WHERE root.${col(messages.channelId)} IN
                       (SELECT ${channels.id} FROM ${channels} WHERE ${channels.workspaceId} = ${workspaceId})
                  OR root.${col(messages.conversationId)} IN
                       (SELECT ${conversations.id} FROM ${conversations} WHERE ${conversations.workspaceId} = ${workspaceId})
               GROUP BY reply.${col(messages.parentId)}) AS last
       WHERE ${threadFollows.rootId} = last.root_id AND ${threadFollows.userId} = ${userId}
         AND ${threadFollows.lastReadSequence} < last.sequence`);
    await tx
      .update(workspaceMembers)
      .set({ activityReadAt: sql`now()` })
      .where(
        and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)),
      );
    return [inChannels, inConversations];
  });
  changes.sidebar([userId], {
    channelIds: channelRows.map((row) => row.id),
    conversationIds: conversationRows.map((row) => row.id),
    threads: true,
    activity: true,
  });
  return { channels: channelRows.length, conversations: conversationRows.length };
}
