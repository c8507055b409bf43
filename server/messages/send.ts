/**
 * The send path. `sendMessages` stores a batch of sends in one transaction —
 * a single statement, so a single round trip:
 *
 * 1. lock the targets in id order and bump each one's `last_sequence` and
 *    `last_revision` by the number of its new messages (UPDATE … RETURNING);
 * 2. insert the messages at those numbers, their `message.created` events,
 *    mentions, and the authors' read positions; for batches with files,
 *    also which message each file is attached to.
 *
 * Numbers are assigned inside the transaction that uses them, so a rolled-back
 * send gives its number back and sequences stay gapless. A send whose
 * `(author, clientMessageId)` is already stored returns the stored message:
 * the unique index rejects the statement (nothing of it is kept), the stored
 * messages are read, and the rest is tried again. Concurrent duplicates wait
 * on the unique index for the first inserter, so they resolve the same way
 * and never surface as errors. A file already attached to another message
 * is refused by `message_files`' primary key, which rolls the statement back
 * like a duplicate does; the batch's sends are then tried one by one, so only
 * the send that named the file fails.
 */
import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { executePrepared } from "@/db/prepared";
import { parseRows, zInt, zTime } from "@/db/rows";
import {
  channels,
  mentions,
  messageEvents,
  messageFiles,
  messages,
  threadFollows,
  users,
} from "@/db/schema";
import { col, storageOf } from "@/db/targets";
import { mentionedUserIds } from "@/lib/mentions";
import { type Target, type TargetKind, targetColumns, targetKey } from "@/lib/target";
import { AppError, foreignKeyViolation, uniqueViolation } from "@/server/errors";
import type { FileView } from "@/server/files/read";
import { readMessagesByClientId } from "./read";
import type { MessageView, ThreadCounts } from "./types";

export interface SendInput {
  authorId: string;
  target: Target;
  body: string;
  clientMessageId: string;
  /** The thread's root, for a reply (a root, never a reply: postMessage resolves that). */
  parentId?: string | null;
  /** A reply that is also shown in the channel's timeline. */
  alsoInChannel?: boolean;
  /** People mentioned besides the body's `<@id>`s: those an @channel or @here reached. */
  alsoMentioned?: string[];
  /** Uploads to attach, in order (checked by the caller: the author's own, stored, free). */
  files?: FileView[];
}

export type SendResult =
  | { ok: true; message: MessageView; created: boolean; thread?: ThreadCounts | null }
  | { ok: false; error: AppError };

/** One bound parameter holding a whole array (drizzle's `sql` would spread a JS array into a list). */
const array = (values: unknown[]) => sql.param(values);

class DuplicateSends extends Error {
  constructor(readonly keys: Set<string>) {
    super("duplicate client message ids");
  }
}

/** A file of the batch is attached already (or gone): the statement stored nothing. */
class FileConflict extends Error {}

const sendKey = (authorId: string, clientMessageId: string) =>
  `${authorId}:${clientMessageId.toLowerCase()}`;

interface Placed extends SendInput {
  sequence: number;
  revision: number;
  id: string;
  authorName: string;
  createdAt: string;
  thread: { replyCount: number; lastReplyAt: string | null } | null;
}

const ZStoredRow = z.object({
  id: z.string(),
  sequence: zInt,
  revision: zInt,
  author_id: z.string(),
  author_name: z.string(),
  client_message_id: z.string(),
  created_at: zTime,
  /** The root's thread after this batch, for replies. */
  root_reply_count: zInt.nullable(),
  root_last_reply_at: zTime.nullable(),
});

/** SQLSTATEs after which the same statement may simply be tried again. */
const RETRYABLE = new Set(["40P01", "40001"]);

/**
 * The statement of one batch (exported so the benchmark replays exactly it
 * with pgbench): every input goes in as one array parameter per column.
 */
export function sendStatement(sends: SendInput[]): SQL {
  const ranks = new Map<string, number>();
  const rank = sends.map((send) => {
    const key = targetKey(send.target);
    const next = (ranks.get(key) ?? 0) + 1;
    ranks.set(key, next);
    return next;
  });
  const mentionRows = sends.flatMap((send, index) =>
    [...new Set([...mentionedUserIds(send.body), ...(send.alsoMentioned ?? [])])].map((userId) => ({
      index,
      userId,
    })),
  );
  const withMentions = mentionRows.length > 0;
  const ids = sends.map((send) => targetColumns(send.target));
  // Thread bookkeeping and attachments are part of the statement only for
  // batches with replies or files, so the common send stays the short
  // statement the benchmark measures.
  const replies = sends.some((send) => send.parentId);
  const withFiles = sends.some((send) => (send.files?.length ?? 0) > 0);
  const fileRows = sends.flatMap((send, index) =>
    (send.files ?? []).map((file, position) => ({ index, fileId: file.id, position })),
  );
  /** Which message each file goes with, and where among its files. */
  const fileParts = () => sql`,
    attached AS (
      INSERT INTO ${messageFiles} (${col(messageFiles.fileId)}, ${col(messageFiles.messageId)}, ${col(messageFiles.position)})
      SELECT f.file_id, m.id, f.position
        FROM unnest(${array(fileRows.map((r) => r.index + 1))}::int[], ${array(fileRows.map((r) => r.fileId))}::uuid[],
                    ${array(fileRows.map((r) => r.position))}::int[]) AS f(ord, file_id, position)
        JOIN input ON input.ord = f.ord
        JOIN m ON m.author_id = input.author_id AND m.client_message_id = input.client_message_id
    )`;
  /**
   * For replies: the roots' reply counts, and who follows each thread — the
   * root's author, each replier (read up to their reply) and each person
   * mentioned in a reply. Someone who unfollowed stays unfollowed unless
   * they reply.
   */
  const threadParts = () => sql`,
    roots AS (
      UPDATE ${messages} AS r SET ${col(messages.replyCount)} = r.${col(messages.replyCount)} + c.n,
                                  ${col(messages.lastReplyAt)} = c.last_at
        FROM (SELECT parent_id, count(*)::int AS n, max(created_at) AS last_at FROM m
               WHERE parent_id IS NOT NULL GROUP BY parent_id) AS c
       WHERE r.${col(messages.id)} = c.parent_id
   RETURNING r.${col(messages.id)} AS id, r.${col(messages.authorId)} AS author_id,
             r.${col(messages.replyCount)} AS reply_count, r.${col(messages.lastReplyAt)} AS last_reply_at
    ),
    follows AS (
      INSERT INTO ${threadFollows} (${col(threadFollows.rootId)}, ${col(threadFollows.userId)}, ${col(threadFollows.lastReadSequence)})
      SELECT root_id, user_id, max(read) FROM (
          SELECT parent_id AS root_id, author_id AS user_id, sequence AS read FROM m WHERE parent_id IS NOT NULL
          UNION ALL SELECT id, author_id, 0 FROM roots
          ${withMentions ? sql`UNION ALL SELECT parent_id, user_id, 0 FROM mentioned WHERE parent_id IS NOT NULL` : sql``}
        ) AS f GROUP BY root_id, user_id
      ON CONFLICT (${col(threadFollows.rootId)}, ${col(threadFollows.userId)}) DO UPDATE
         SET ${col(threadFollows.following)} = ${threadFollows}.${col(threadFollows.following)} OR EXCLUDED.${col(threadFollows.lastReadSequence)} > 0,
             ${col(threadFollows.lastReadSequence)} = GREATEST(${threadFollows}.${col(threadFollows.lastReadSequence)}, EXCLUDED.${col(threadFollows.lastReadSequence)}),
             ${col(threadFollows.updatedAt)} = now()
    )`;
  /** Locks one kind's targets in id order and moves their counters on by their number of new messages. */
  const bump = (kind: TargetKind, counts: string) => {
    const stored = storageOf(kind);
    const [id, sequence, revision] = [
      col(stored.id),
      col(stored.lastSequence),
      col(stored.lastRevision),
    ];
    // Archived channels are read-only, so they take no new numbers.
    const writable = (alias: string) =>
      kind === "channel" ? sql` AND ${sql.raw(alias)}${col(channels.archivedAt)} IS NULL` : sql``;
    const targets = new Set(sends.filter((s) => s.target.kind === kind).map((s) => s.target.id));
    // One row needs no lock order: locking it first would only write it
    // twice. Its id as a scalar keeps the plan on the primary key even when
    // the prepared statement's generic plan cannot know the batch's size.
    if (targets.size === 1)
      return sql`
      UPDATE ${stored.table} AS t SET ${sequence} = t.${sequence} + v.n, ${revision} = t.${revision} + v.n
        FROM ${sql.identifier(counts)} AS v
       WHERE t.${id} = (SELECT id FROM ${sql.identifier(counts)}) AND v.id = t.${id}${writable("t.")}
   RETURNING t.${id} AS id, t.${sequence} - v.n AS sequence_base, t.${revision} - v.n AS revision_base`;
    return sql`
      UPDATE ${stored.table} AS t SET ${sequence} = t.${sequence} + v.n, ${revision} = t.${revision} + v.n
        FROM (SELECT ${id} FROM ${stored.table} WHERE ${id} IN (SELECT id FROM ${sql.identifier(counts)})${writable("")}
               ORDER BY ${id} FOR UPDATE) AS locked,
             ${sql.identifier(counts)} AS v
       WHERE t.${id} = locked.${id} AND v.id = t.${id}
   RETURNING t.${id} AS id, t.${sequence} - v.n AS sequence_base, t.${revision} - v.n AS revision_base`;
  };
  /** An author has read their channel up to their own newest message in its timeline. */
  const authorsRead = (kind: TargetKind) => {
    const stored = storageOf(kind);
    const [target, read] = [col(stored.memberTarget), col(stored.lastReadSequence)];
    return sql`
      UPDATE ${stored.members} AS cm SET ${read} = GREATEST(cm.${read}, r.sequence)
        FROM (SELECT ${target}, author_id, max(sequence) AS sequence FROM m
               WHERE ${target} IS NOT NULL AND (parent_id IS NULL OR also_in_channel)
               GROUP BY ${target}, author_id) AS r
       WHERE cm.${target} = r.${target} AND cm.${col(stored.memberUser)} = r.author_id`;
  };

  // Only the parts this batch needs: every table a statement names is
  // opened and locked with all its indexes on each execution, which costs
  // more than the parts' work for a one-message send.
  const kinds = (["channel", "conversation"] as const).filter((kind) =>
    sends.some((send) => send.target.kind === kind),
  );
  const short = { channel: "ch", conversation: "cv" } as const;
  const targetColumn = (kind: TargetKind) => sql.raw(`${kind}_id`);
  const joined = (name: "sequence_base" | "revision_base") =>
    sql.join(
      kinds.map((kind) => sql`${sql.identifier(short[kind])}.${sql.raw(name)}`),
      sql`, `,
    );
  const perKind = (part: (kind: TargetKind) => SQL) =>
    sql.join(
      kinds.map((kind) => part(kind)),
      sql`,`,
    );
  const mentionParts = sql`,
    mentioned AS (
      SELECT m.id, mention.user_id, m.channel_id, m.conversation_id, m.sequence, m.parent_id
        FROM unnest(${array(mentionRows.map((r) => r.index + 1))}::int[], ${array(mentionRows.map((r) => r.userId))}::uuid[])
             AS mention(ord, user_id)
        JOIN input ON input.ord = mention.ord
        JOIN m ON m.author_id = input.author_id AND m.client_message_id = input.client_message_id
        JOIN ${users} ON ${users.id} = mention.user_id
    ),
    mn AS (
      INSERT INTO ${mentions} (${col(mentions.messageId)}, ${col(mentions.userId)}, ${col(mentions.channelId)}, ${col(mentions.conversationId)}, ${col(mentions.sequence)})
      SELECT id, user_id, channel_id, conversation_id, sequence FROM mentioned
    )`;

  return sql`
    WITH input AS (
      SELECT * FROM unnest(
        ${array(ids.map((i) => i.channelId))}::uuid[], ${array(ids.map((i) => i.conversationId))}::uuid[],
        ${array(sends.map((s) => s.authorId))}::uuid[], ${array(sends.map((s) => s.body))}::text[],
        ${array(sends.map((s) => s.clientMessageId))}::uuid[], ${array(sends.map((s) => s.parentId ?? null))}::uuid[],
        ${array(rank)}::int[]${replies ? sql`, ${array(sends.map((s) => Boolean(s.parentId && s.alsoInChannel)))}::boolean[]` : sql``}${withFiles ? sql`, ${array(sends.map((s) => s.files?.length ?? 0))}::int[]` : sql``}
      ) WITH ORDINALITY AS i(channel_id, conversation_id, author_id, body, client_message_id, parent_id, rank${replies ? sql`, also_in_channel` : sql``}${withFiles ? sql`, file_count` : sql``}, ord)
    ),
    ${perKind(
      (kind) => sql`
    ${sql.identifier(`${kind}_counts`)} AS (
      SELECT ${targetColumn(kind)} AS id, count(*)::int AS n FROM input WHERE ${targetColumn(kind)} IS NOT NULL GROUP BY ${targetColumn(kind)}
    ),
    ${sql.identifier(short[kind])} AS (${bump(kind, `${kind}_counts`)})`,
    )},
    placed AS (
      SELECT i.*, coalesce(${joined("sequence_base")}) + i.rank AS sequence,
             coalesce(${joined("revision_base")}) + i.rank AS revision
        FROM input i
        ${sql.join(
          kinds.map(
            (kind) =>
              sql`LEFT JOIN ${sql.identifier(short[kind])} ON ${sql.identifier(short[kind])}.id = i.${targetColumn(kind)}`,
          ),
          sql` `,
        )}
       WHERE ${sql.join(
         kinds.map((kind) => sql`${sql.identifier(short[kind])}.id IS NOT NULL`),
         sql` OR `,
       )}
    ),
    m AS (
      INSERT INTO ${messages} (${col(messages.channelId)}, ${col(messages.conversationId)}, ${col(messages.sequence)}, ${col(messages.revision)},
                               ${col(messages.authorId)}, ${col(messages.body)}, ${col(messages.clientMessageId)}, ${col(messages.parentId)}${replies ? sql`, ${col(messages.alsoInChannel)}` : sql``}${withFiles ? sql`, ${col(messages.fileCount)}` : sql``})
      SELECT channel_id, conversation_id, sequence, revision, author_id, body, client_message_id, parent_id${replies ? sql`, also_in_channel` : sql``}${withFiles ? sql`, file_count` : sql``}
        FROM placed ORDER BY ord
      RETURNING ${col(messages.id)} AS id, ${col(messages.channelId)} AS channel_id, ${col(messages.conversationId)} AS conversation_id,
                ${col(messages.sequence)} AS sequence, ${col(messages.revision)} AS revision, ${col(messages.authorId)} AS author_id,
                ${col(messages.clientMessageId)} AS client_message_id, ${col(messages.createdAt)} AS created_at,
                ${col(messages.parentId)} AS parent_id, ${col(messages.alsoInChannel)} AS also_in_channel
    ),
    ev AS (
      INSERT INTO ${messageEvents} (${col(messageEvents.channelId)}, ${col(messageEvents.conversationId)}, ${col(messageEvents.revision)},
                                   ${col(messageEvents.kind)}, ${col(messageEvents.messageId)}, ${col(messageEvents.actorId)}, ${col(messageEvents.createdAt)})
      SELECT channel_id, conversation_id, revision, 'message.created', id, author_id, created_at FROM m
    )${withMentions ? mentionParts : sql``},
    ${perKind((kind) => sql`${sql.identifier(`read_${kind}`)} AS (${authorsRead(kind)})`)}${replies ? threadParts() : sql``}${withFiles ? fileParts() : sql``}
    SELECT m.id, m.sequence, m.revision, m.author_id, m.client_message_id, m.created_at,
           (SELECT ${col(users.name)} FROM ${users} WHERE ${users.id} = m.author_id) AS author_name,
           ${replies ? sql`roots.reply_count AS root_reply_count, roots.last_reply_at AS root_last_reply_at` : sql`NULL::int AS root_reply_count, NULL::timestamptz AS root_last_reply_at`}
      FROM m
      ${replies ? sql`LEFT JOIN roots ON roots.id = m.parent_id` : sql``}`;
}

/**
 * One attempt, as one statement (so one round trip and its own transaction):
 * lock the targets in id order and bump their counters, place each message
 * at base + its rank within its target, insert messages, events, mentions
 * and the authors' read positions. Everything in `sends` is stored, or —
 * when any statement part fails, a duplicate (author, clientMessageId)
 * included — nothing is. Targets that are archived or gone take nothing and
 * come back in `rejected`.
 */
async function storeBatch(
  db: Db,
  sends: SendInput[],
): Promise<{ placed: Placed[]; rejected: Map<number, AppError> }> {
  const stored = parseRows(await executePrepared(db, sendStatement(sends)), ZStoredRow);
  const byKey = new Map(stored.map((row) => [sendKey(row.author_id, row.client_message_id), row]));
  const placed: Placed[] = [];
  const rejected = new Map<number, AppError>();
  sends.forEach((send, index) => {
    const row = byKey.get(sendKey(send.authorId, send.clientMessageId));
    if (row) {
      placed.push({
        ...send,
        id: row.id,
        sequence: row.sequence,
        revision: row.revision,
        authorName: row.author_name,
        createdAt: row.created_at,
        thread:
          row.root_reply_count === null
            ? null
            : { replyCount: row.root_reply_count, lastReplyAt: row.root_last_reply_at },
      });
    } else {
      rejected.set(
        index,
        send.target.kind === "channel"
          ? new AppError("FORBIDDEN", "This channel is archived or gone; it takes no new messages.")
          : new AppError("NOT_FOUND", "Conversation not found."),
      );
    }
  });
  return { placed, rejected };
}

/** Runs storeBatch; a duplicate (author, clientMessageId) anywhere in the batch becomes DuplicateSends. */
async function attemptBatch(db: Db, sends: SendInput[]) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await storeBatch(db, sends);
    } catch (error) {
      if (uniqueViolation(error) === "messages_author_client_id_uq") {
        // The statement rolled back whole; which sends are stored already is read next.
        throw new DuplicateSends(new Set(sends.map((s) => sendKey(s.authorId, s.clientMessageId))));
      }
      if (
        uniqueViolation(error) === "message_files_pkey" ||
        foreignKeyViolation(error) === "message_files_file_id_files_id_fk"
      )
        throw new FileConflict();
      const code = ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string }))
        ?.code;
      // Two batches locking the same targets across instances can deadlock; PostgreSQL aborts one.
      if (!code || !RETRYABLE.has(code) || attempt >= 5) throw error;
    }
  }
}

/**
 * Stores sends, each at the next sequence of its target, and returns one
 * result per input in input order. Sends repeating an `(author,
 * clientMessageId)` — already stored, or twice in this batch — return the
 * stored message with `created: false`.
 */
export async function sendMessages(db: Db, inputs: SendInput[]): Promise<SendResult[]> {
  const results: (SendResult | undefined)[] = new Array(inputs.length);
  // One send per key; later inputs with the same key share its result.
  const owners = new Map<string, number>();
  inputs.forEach((input, index) => {
    const key = sendKey(input.authorId, input.clientMessageId);
    if (!owners.has(key)) owners.set(key, index);
  });
  let pending = [...owners.values()];

  // Each round either stores everything left or resolves at least one
  // duplicate, so this ends; the bound is a guard against a logic error.
  for (let round = 0; pending.length > 0; round++) {
    if (round > inputs.length + 2) throw new Error("sendMessages did not converge");
    let duplicates: Set<string> | undefined;
    try {
      const batch = pending.map((index) => inputs[index] as SendInput);
      const { placed, rejected } = await attemptBatch(db, batch);
      for (const [batchIndex, error] of rejected) {
        results[pending[batchIndex] as number] = { ok: false, error };
      }
      const placedByKey = new Map(placed.map((p) => [sendKey(p.authorId, p.clientMessageId), p]));
      for (const index of pending) {
        const input = inputs[index] as SendInput;
        const p = placedByKey.get(sendKey(input.authorId, input.clientMessageId));
        if (!p) continue;
        results[index] = {
          ok: true,
          created: true,
          thread: p.thread && p.parentId ? { rootId: p.parentId, ...p.thread } : null,
          message: {
            id: p.id,
            ...targetColumns(p.target),
            sequence: p.sequence,
            revision: p.revision,
            author: { id: p.authorId, name: p.authorName },
            body: p.body,
            clientMessageId: p.clientMessageId.toLowerCase(),
            parentId: p.parentId ?? null,
            alsoInChannel: Boolean(p.parentId && p.alsoInChannel),
            replyCount: 0,
            lastReplyAt: null,
            replyUsers: [],
            pinnedAt: null,
            pinnedBy: null,
            createdAt: p.createdAt,
            editedAt: null,
            deletedAt: null,
            reactions: [],
            files: p.files ?? [],
          },
        };
      }
      pending = [];
    } catch (error) {
      if (error instanceof FileConflict) {
        const batch = pending;
        pending = [];
        if (batch.length === 1) {
          results[batch[0] as number] = {
            ok: false,
            error: new AppError(
              "BAD_REQUEST",
              "fileIds: a file of this message is already attached to another message, or gone.",
            ),
          };
        } else {
          // Alone, each send either goes or meets the conflict itself.
          for (const index of batch) {
            const [single] = await sendMessages(db, [inputs[index] as SendInput]);
            results[index] = single;
          }
        }
        continue;
      }
      if (!(error instanceof DuplicateSends)) throw error;
      duplicates = error.keys;
    }
    if (duplicates) {
      const stored = await readMessagesByClientId(
        db,
        [...duplicates].map((key) => {
          const [authorId, clientMessageId] = key.split(":") as [string, string];
          return { authorId, clientMessageId };
        }),
      );
      for (const message of stored) {
        const index = owners.get(sendKey(message.author.id, message.clientMessageId));
        if (index === undefined) continue;
        const wanted = (inputs[index] as SendInput).target;
        const storedIn = message.channelId ?? message.conversationId;
        // A replay must name the same place; reusing an id elsewhere is a client bug, not a retry.
        results[index] =
          storedIn === wanted.id
            ? { ok: true, created: false, message }
            : {
                ok: false,
                error: new AppError(
                  "CONFLICT",
                  "clientMessageId: already used for one of your messages in another channel or conversation.",
                ),
              };
      }
      pending = pending.filter((index) => results[index] === undefined);
    }
  }

  return inputs.map((input, index) => {
    const owner = owners.get(sendKey(input.authorId, input.clientMessageId)) as number;
    const result = results[owner] as SendResult;
    // A second send of the same key in one batch did not create anything.
    return owner === index || !result.ok ? result : { ...result, created: false };
  });
}

/** Stores one send; throws an AppError when it cannot be stored. */
export async function sendMessage(
  db: Db,
  input: SendInput,
): Promise<{ message: MessageView; created: boolean }> {
  const [result] = await sendMessages(db, [input]);
  if (!result) throw new Error("sendMessages returned no result");
  if (!result.ok) throw result.error;
  return { message: result.message, created: result.created };
}
