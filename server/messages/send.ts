/**
 * The send path. `sendMessages` stores a batch of sends in one transaction:
 *
 * 1. lock the targets in id order and bump each one's `last_sequence` and
 *    `last_revision` by the number of its new messages (UPDATE … RETURNING);
 * 2. insert the messages at those numbers, their `message.created` events,
 *    mentions, and the authors' read positions, in one statement.
 *
 * Numbers are assigned inside the transaction that uses them, so a rolled-back
 * send gives its number back and sequences stay gapless. A send whose
 * `(author, clientMessageId)` is already stored returns the stored message:
 * the insert skips conflicting rows, the transaction is rolled back (its
 * numbers were counted for those rows), the winners are read, and the rest is
 * retried. Concurrent duplicates wait on the unique index for the first
 * inserter, so they resolve the same way and never surface as errors.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { AppError } from "@/server/errors";
import { readMessagesByClientId } from "./read";
import { type MessageView, type Target, targetKey } from "./types";

export interface SendInput {
  authorId: string;
  target: Target;
  body: string;
  clientMessageId: string;
  parentId?: string | null;
}

export type SendResult =
  | { ok: true; message: MessageView; created: boolean }
  | { ok: false; error: AppError };

/** One bound parameter holding a whole array (drizzle's `sql` would spread a JS array into a list). */
const array = (values: unknown[]) => sql.param(values);

const MENTION = /<@([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/gi;

/** User ids mentioned as `<@uuid>` in a body, at most 50. */
export function mentionedUserIds(body: string): string[] {
  const ids = new Set<string>();
  for (const match of body.matchAll(MENTION)) {
    if (match[1]) ids.add(match[1].toLowerCase());
    if (ids.size === 50) break;
  }
  return [...ids];
}

class DuplicateSends extends Error {
  constructor(readonly keys: Set<string>) {
    super("duplicate client message ids");
  }
}

const sendKey = (authorId: string, clientMessageId: string) =>
  `${authorId}:${clientMessageId.toLowerCase()}`;

interface Placed extends SendInput {
  sequence: number;
  revision: number;
}

type InsertedRow = {
  id: string;
  author_id: string;
  author_name: string;
  client_message_id: string;
  created_at: string | Date;
};

/** Bumps the counters of one kind of target; returns the new values by id. Locks in id order. */
async function bumpCounters(db: Db, kind: Target["kind"], counts: Map<string, number>) {
  const ids = [...counts.keys()].sort();
  const ns = ids.map((id) => counts.get(id) ?? 0);
  const table = kind === "channel" ? sql.raw("channels") : sql.raw("conversations");
  // Archived channels are read-only, so they take no new numbers.
  const writable = kind === "channel" ? sql`AND archived_at IS NULL` : sql``;
  const result = await db.execute<{ id: string; last_sequence: number; last_revision: number }>(sql`
    UPDATE ${table} AS t
       SET last_sequence = t.last_sequence + v.n,
           last_revision = t.last_revision + v.n
      FROM (SELECT id FROM ${table} WHERE id = ANY(${array(ids)}::uuid[]) ${writable} ORDER BY id FOR UPDATE) AS locked,
           unnest(${array(ids)}::uuid[], ${array(ns)}::int[]) AS v(id, n)
     WHERE t.id = locked.id AND v.id = t.id
 RETURNING t.id, t.last_sequence, t.last_revision`);
  return new Map(result.rows.map((row) => [row.id, row]));
}

/** One attempt: everything in `sends` is stored, or nothing is. */
async function storeBatch(
  db: Db,
  sends: SendInput[],
): Promise<{ placed: Placed[]; rejected: Map<number, AppError> }> {
  return db.transaction(async (tx) => {
    const byTarget = new Map<string, number[]>();
    sends.forEach((send, index) => {
      const key = targetKey(send.target);
      const list = byTarget.get(key) ?? [];
      list.push(index);
      byTarget.set(key, list);
    });
    const counts = { channel: new Map<string, number>(), conversation: new Map<string, number>() };
    for (const indexes of byTarget.values()) {
      const target = sends[indexes[0] as number]?.target as Target;
      counts[target.kind].set(target.id, indexes.length);
    }
    const counters = new Map<string, { last_sequence: number; last_revision: number }>();
    for (const kind of ["channel", "conversation"] as const) {
      if (counts[kind].size === 0) continue;
      for (const [id, row] of await bumpCounters(tx, kind, counts[kind]))
        counters.set(`${kind}:${id}`, row);
    }

    const placed: Placed[] = [];
    const rejected = new Map<number, AppError>();
    for (const [key, indexes] of byTarget) {
      const counter = counters.get(key);
      if (!counter) {
        for (const index of indexes) {
          const kind = sends[index]?.target.kind;
          rejected.set(
            index,
            kind === "channel"
              ? new AppError(
                  "FORBIDDEN",
                  "This channel is archived or gone; it takes no new messages.",
                )
              : new AppError("NOT_FOUND", "Conversation not found."),
          );
        }
        continue;
      }
      const first = counter.last_sequence - indexes.length + 1;
      const firstRevision = counter.last_revision - indexes.length + 1;
      indexes.forEach((index, offset) => {
        placed.push({
          ...(sends[index] as SendInput),
          sequence: first + offset,
          revision: firstRevision + offset,
        });
      });
    }
    if (placed.length === 0) return { placed, rejected };

    const channelIds = placed.map((p) => (p.target.kind === "channel" ? p.target.id : null));
    const conversationIds = placed.map((p) =>
      p.target.kind === "conversation" ? p.target.id : null,
    );
    const mentionRows = placed.flatMap((p, index) =>
      mentionedUserIds(p.body).map((userId) => ({ index, userId })),
    );
    // An author has read everything up to their own newest message.
    const readUpTo = new Map<string, { target: Target; authorId: string; sequence: number }>();
    for (const p of placed) {
      const key = `${targetKey(p.target)}:${p.authorId}`;
      const current = readUpTo.get(key);
      if (!current || current.sequence < p.sequence)
        readUpTo.set(key, { target: p.target, authorId: p.authorId, sequence: p.sequence });
    }
    const reads = [...readUpTo.values()];
    const readChannel = reads.filter((r) => r.target.kind === "channel");
    const readConversation = reads.filter((r) => r.target.kind === "conversation");

    const inserted = await tx.execute<InsertedRow>(sql`
      WITH input AS (
        SELECT * FROM unnest(
          ${array(channelIds)}::uuid[], ${array(conversationIds)}::uuid[], ${array(placed.map((p) => p.sequence))}::int[],
          ${array(placed.map((p) => p.revision))}::int[], ${array(placed.map((p) => p.authorId))}::uuid[],
          ${array(placed.map((p) => p.body))}::text[], ${array(placed.map((p) => p.clientMessageId))}::uuid[],
          ${array(placed.map((p) => p.parentId ?? null))}::uuid[]
        ) WITH ORDINALITY AS i(channel_id, conversation_id, sequence, revision, author_id, body, client_message_id, parent_id, ord)
      ),
      m AS (
        INSERT INTO messages (channel_id, conversation_id, sequence, revision, author_id, body, client_message_id, parent_id)
        SELECT channel_id, conversation_id, sequence, revision, author_id, body, client_message_id, parent_id
          FROM input ORDER BY ord
        ON CONFLICT (author_id, client_message_id) DO NOTHING
        RETURNING id, channel_id, conversation_id, sequence, revision, author_id, client_message_id, created_at
      ),
      ev AS (
        INSERT INTO message_events (channel_id, conversation_id, revision, kind, message_id, actor_id, created_at)
        SELECT channel_id, conversation_id, revision, 'message.created', id, author_id, created_at FROM m
      ),
      mn AS (
        INSERT INTO mentions (message_id, user_id, channel_id, conversation_id, sequence)
        SELECT m.id, mention.user_id, m.channel_id, m.conversation_id, m.sequence
          FROM unnest(${array(mentionRows.map((r) => r.index + 1))}::int[], ${array(mentionRows.map((r) => r.userId))}::uuid[])
               AS mention(ord, user_id)
          JOIN input ON input.ord = mention.ord
          JOIN m ON m.author_id = input.author_id AND m.client_message_id = input.client_message_id
          JOIN users ON users.id = mention.user_id
      ),
      read_channel AS (
        UPDATE channel_members AS cm SET last_read_sequence = GREATEST(cm.last_read_sequence, r.sequence)
          FROM unnest(${array(readChannel.map((r) => r.target.id))}::uuid[], ${array(readChannel.map((r) => r.authorId))}::uuid[],
                      ${array(readChannel.map((r) => r.sequence))}::int[]) AS r(target_id, user_id, sequence)
         WHERE cm.channel_id = r.target_id AND cm.user_id = r.user_id
      ),
      read_conversation AS (
        UPDATE conversation_members AS cm SET last_read_sequence = GREATEST(cm.last_read_sequence, r.sequence)
          FROM unnest(${array(readConversation.map((r) => r.target.id))}::uuid[], ${array(readConversation.map((r) => r.authorId))}::uuid[],
                      ${array(readConversation.map((r) => r.sequence))}::int[]) AS r(target_id, user_id, sequence)
         WHERE cm.conversation_id = r.target_id AND cm.user_id = r.user_id
      )
      SELECT m.id, m.author_id, users.name AS author_name, m.client_message_id, m.created_at
        FROM m JOIN users ON users.id = m.author_id`);

    if (inserted.rows.length < placed.length) {
      const stored = new Set(
        inserted.rows.map((row) => sendKey(row.author_id, row.client_message_id)),
      );
      const duplicates = new Set(
        placed.map((p) => sendKey(p.authorId, p.clientMessageId)).filter((key) => !stored.has(key)),
      );
      // Their numbers were counted; roll back so nothing is skipped.
      throw new DuplicateSends(duplicates);
    }
    const byKey = new Map(
      inserted.rows.map((row) => [sendKey(row.author_id, row.client_message_id), row]),
    );
    for (const p of placed) {
      const row = byKey.get(sendKey(p.authorId, p.clientMessageId)) as InsertedRow;
      Object.assign(p, { id: row.id, authorName: row.author_name, createdAt: row.created_at });
    }
    return { placed, rejected };
  });
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
      const { placed, rejected } = await storeBatch(db, batch);
      for (const [batchIndex, error] of rejected) {
        results[pending[batchIndex] as number] = { ok: false, error };
      }
      const placedByKey = new Map(placed.map((p) => [sendKey(p.authorId, p.clientMessageId), p]));
      for (const index of pending) {
        const input = inputs[index] as SendInput;
        const p = placedByKey.get(sendKey(input.authorId, input.clientMessageId)) as
          | (Placed & { id: string; authorName: string; createdAt: string | Date })
          | undefined;
        if (!p) continue;
        const createdAt = new Date(p.createdAt).toISOString();
        results[index] = {
          ok: true,
          created: true,
          message: {
            id: p.id,
            channelId: p.target.kind === "channel" ? p.target.id : null,
            conversationId: p.target.kind === "conversation" ? p.target.id : null,
            sequence: p.sequence,
            revision: p.revision,
            author: { id: p.authorId, name: p.authorName },
            body: p.body,
            clientMessageId: p.clientMessageId.toLowerCase(),
            parentId: p.parentId ?? null,
            createdAt,
            editedAt: null,
            deletedAt: null,
            reactions: [],
          },
        };
      }
      pending = [];
    } catch (error) {
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
