/** Reading messages in the shape clients see (author name, reaction summaries, files). */
import {
  and,
  asc,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  max,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { messages, reactions, users } from "@/db/schema";
import { storageOf } from "@/db/targets";
import type { Target } from "@/lib/target";
import { isoTime } from "@/lib/time";
import { decodeCursor, encodeCursor, exactTime, isExactTime } from "@/server/cursors";
import { filesOfMessages } from "@/server/files/read";
import type { MessageView, ReactionSummary, ThreadSummary } from "./types";

const messageColumns = {
  id: messages.id,
  channelId: messages.channelId,
  conversationId: messages.conversationId,
  sequence: messages.sequence,
  revision: messages.revision,
  authorId: messages.authorId,
  authorName: users.name,
  body: messages.body,
  clientMessageId: messages.clientMessageId,
  parentId: messages.parentId,
  alsoInChannel: messages.alsoInChannel,
  replyCount: messages.replyCount,
  lastReplyAt: messages.lastReplyAt,
  pinnedAt: messages.pinnedAt,
  pinnedBy: messages.pinnedBy,
  createdAt: messages.createdAt,
  editedAt: messages.editedAt,
  deletedAt: messages.deletedAt,
  fileCount: messages.fileCount,
};

/** Reaction summaries per message id, emoji in order of first use. */
export async function reactionSummaries(
  db: Db,
  messageIds: string[],
): Promise<Map<string, ReactionSummary[]>> {
  const summaries = new Map<string, ReactionSummary[]>();
  if (messageIds.length === 0) return summaries;
  const rows = await db
    .select({ messageId: reactions.messageId, emoji: reactions.emoji, userId: reactions.userId })
    .from(reactions)
    .where(inArray(reactions.messageId, messageIds))
    .orderBy(asc(reactions.createdAt), asc(reactions.userId));
  for (const row of rows) {
    const list = summaries.get(row.messageId) ?? [];
    let summary = list.find((s) => s.emoji === row.emoji);
    if (!summary) {
      summary = { emoji: row.emoji, count: 0, userIds: [] };
      list.push(summary);
    }
    summary.count += 1;
    summary.userIds.push(row.userId);
    summaries.set(row.messageId, list);
  }
  return summaries;
}

const REPLY_USERS = 5;

/** Who replied in each thread (not counting deleted replies), latest first, at most 5 each. */
export async function replyUsers(
  db: Db,
  rootIds: string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const byRoot = new Map<string, { id: string; name: string }[]>();
  if (rootIds.length === 0) return byRoot;
  const rows = await db
    .select({
      rootId: messages.parentId,
      id: users.id,
      name: users.name,
      last: max(messages.sequence),
    })
    .from(messages)
    .innerJoin(users, eq(users.id, messages.authorId))
    .where(and(inArray(messages.parentId, rootIds), isNull(messages.deletedAt)))
    .groupBy(messages.parentId, users.id, users.name)
    .orderBy(desc(max(messages.sequence)));
  for (const row of rows) {
    const list = byRoot.get(row.rootId as string) ?? [];
    if (list.length < REPLY_USERS) list.push({ id: row.id, name: row.name });
    byRoot.set(row.rootId as string, list);
  }
  return byRoot;
}

/**
 * Messages matching `where`, with reactions and thread summaries: ascending
 * by sequence; `descending` takes the newest `limit` and still returns them
 * ascending; `order` keeps an order of its own (pins by when they were pinned).
 */
export async function readMessages(
  db: Db,
  where: SQL | undefined,
  options: { limit?: number; descending?: boolean; order?: SQL[] } = {},
): Promise<MessageView[]> {
  let query = db
    .select(messageColumns)
    .from(messages)
    .innerJoin(users, eq(users.id, messages.authorId))
    .where(where)
    .orderBy(
      ...(options.order ?? [options.descending ? desc(messages.sequence) : asc(messages.sequence)]),
    )
    .$dynamic();
  if (options.limit !== undefined) query = query.limit(options.limit);
  const rows = await query;
  if (options.descending && !options.order) rows.reverse();
  const [summaries, repliers, attached] = await Promise.all([
    reactionSummaries(
      db,
      rows.map((row) => row.id),
    ),
    replyUsers(
      db,
      rows.filter((row) => row.replyCount > 0).map((row) => row.id),
    ),
    // Most messages have no files: only those that do cost a query.
    filesOfMessages(
      db,
      rows.filter((row) => row.fileCount > 0 && !row.deletedAt).map((row) => row.id),
    ),
  ]);
  return rows.map((row) => ({
    id: row.id,
    channelId: row.channelId,
    conversationId: row.conversationId,
    sequence: row.sequence,
    revision: row.revision,
    author: { id: row.authorId, name: row.authorName },
    body: row.body,
    clientMessageId: row.clientMessageId,
    parentId: row.parentId,
    alsoInChannel: row.alsoInChannel,
    replyCount: row.replyCount,
    lastReplyAt: isoTime(row.lastReplyAt),
    replyUsers: repliers.get(row.id) ?? [],
    pinnedAt: isoTime(row.pinnedAt),
    pinnedBy: row.pinnedBy,
    createdAt: isoTime(row.createdAt),
    editedAt: isoTime(row.editedAt),
    deletedAt: isoTime(row.deletedAt),
    reactions: summaries.get(row.id) ?? [],
    files: attached.get(row.id) ?? [],
  }));
}

/** The stored messages for (author, clientMessageId) pairs. */
export function readMessagesByClientId(
  db: Db,
  keys: { authorId: string; clientMessageId: string }[],
): Promise<MessageView[]> {
  if (keys.length === 0) return Promise.resolve([]);
  return readMessages(
    db,
    or(
      ...keys.map((key) =>
        and(eq(messages.authorId, key.authorId), eq(messages.clientMessageId, key.clientMessageId)),
      ),
    ),
  );
}

/** Where a list of pins continues: before this pin time (exact) and sequence. */
const ZPinCursorSchema = z.object({
  at: z.string().refine(isExactTime),
  sequence: z.number().int().min(1),
});

/** A page of a target's pinned messages, most recently pinned first, and where the next starts. */
export async function listPins(
  db: Db,
  target: Target,
  page: { cursor?: string; limit: number },
): Promise<{ items: MessageView[]; nextCursor: string | null }> {
  const after =
    page.cursor === undefined ? null : decodeCursor(ZPinCursorSchema, page.cursor, "list");
  const order = [desc(messages.pinnedAt), desc(messages.sequence)];
  const rows = await db
    .select({ id: messages.id, at: exactTime(messages.pinnedAt), sequence: messages.sequence })
    .from(messages)
    .where(
      and(
        eq(storageOf(target).messageTarget, target.id),
        isNotNull(messages.pinnedAt),
        after
          ? sql`(${messages.pinnedAt}, ${messages.sequence}) < (${after.at}::timestamptz, ${after.sequence}::int)`
          : undefined,
      ),
    )
    .orderBy(...order)
    .limit(page.limit + 1);
  const shown = rows.slice(0, page.limit);
  if (shown.length === 0) return { items: [], nextCursor: null };
  const items = await readMessages(
    db,
    inArray(
      messages.id,
      shown.map((row) => row.id),
    ),
    { order },
  );
  const last = shown.at(-1);
  return {
    items,
    nextCursor:
      rows.length > page.limit && last
        ? encodeCursor({ at: last.at, sequence: last.sequence })
        : null,
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
  const conditions = [eq(storageOf(target).messageTarget, target.id)];
  if (window.before !== undefined) conditions.push(lt(messages.sequence, window.before));
  if (window.after !== undefined) conditions.push(gt(messages.sequence, window.after));
  // Walk forward from `after`; otherwise take the newest end of the window.
  return readMessages(db, and(...conditions), {
    limit: window.limit,
    descending: window.after === undefined,
  });
}

/** Threads' roots as they stand now: counts and repliers, as a reply's event carries them. */
export async function threadSummaries(
  db: Db,
  rootIds: string[],
): Promise<Map<string, ThreadSummary>> {
  if (rootIds.length === 0) return new Map();
  const [rows, repliers] = await Promise.all([
    db
      .select({
        id: messages.id,
        replyCount: messages.replyCount,
        lastReplyAt: messages.lastReplyAt,
      })
      .from(messages)
      .where(inArray(messages.id, rootIds)),
    replyUsers(db, rootIds),
  ]);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        rootId: row.id,
        replyCount: row.replyCount,
        lastReplyAt: isoTime(row.lastReplyAt),
        replyUsers: repliers.get(row.id) ?? [],
      },
    ]),
  );
}
