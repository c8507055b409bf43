/**
 * The truth the checker compares against, read straight from PostgreSQL
 * (the `channels`/`conversations` counters, `messages` and `message_events`),
 * with plain SQL so nothing of the app's own reading code is trusted.
 */
import type pg from "pg";
import type { TargetRef, TargetTruth } from "./model";

const tables = { channel: "channels", conversation: "conversations" } as const;
const columns = { channel: "channel_id", conversation: "conversation_id" } as const;

/** The targets' current revisions (last_revision), by key. */
export async function currentRevisions(
  client: pg.Client,
  targets: TargetRef[],
): Promise<Map<string, number>> {
  const revisions = new Map<string, number>();
  for (const kind of ["channel", "conversation"] as const) {
    const ids = targets.filter((target) => target.kind === kind).map((target) => target.id);
    if (ids.length === 0) continue;
    const result = await client.query<{ id: string; last_revision: number }>(
      `SELECT id, last_revision FROM ${tables[kind]} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const row of result.rows) revisions.set(`${kind}:${row.id}`, Number(row.last_revision));
  }
  return revisions;
}

export async function readTruth(client: pg.Client, targets: TargetRef[]): Promise<TargetTruth[]> {
  const truths: TargetTruth[] = [];
  for (const target of targets) {
    const column = columns[target.kind];
    const counters = await client.query<{ last_sequence: number; last_revision: number }>(
      `SELECT last_sequence, last_revision FROM ${tables[target.kind]} WHERE id = $1`,
      [target.id],
    );
    const messages = await client.query<{
      id: string;
      sequence: number;
      revision: number;
      author_id: string;
      client_message_id: string;
      body: string;
      edited: boolean;
      deleted: boolean;
    }>(
      `SELECT id, sequence, revision, author_id, client_message_id, body,
              edited_at IS NOT NULL AS edited, deleted_at IS NOT NULL AS deleted
         FROM messages WHERE ${column} = $1 ORDER BY sequence, id`,
      [target.id],
    );
    const events = await client.query<{
      revision: number;
      kind: string;
      message_id: string;
      actor_id: string;
      emoji: string | null;
    }>(
      `SELECT revision, kind::text AS kind, message_id, actor_id, emoji
         FROM message_events WHERE ${column} = $1 ORDER BY revision, message_id`,
      [target.id],
    );
    truths.push({
      key: target.key,
      lastSequence: Number(counters.rows[0]?.last_sequence ?? 0),
      lastRevision: Number(counters.rows[0]?.last_revision ?? 0),
      messages: messages.rows.map((row) => ({
        id: row.id,
        sequence: Number(row.sequence),
        revision: Number(row.revision),
        authorId: row.author_id,
        clientMessageId: row.client_message_id,
        body: row.body,
        edited: row.edited,
        deleted: row.deleted,
      })),
      events: events.rows.map((row) => ({
        revision: Number(row.revision),
        kind: row.kind,
        messageId: row.message_id,
        actorId: row.actor_id,
        emoji: row.emoji,
      })),
    });
  }
  return truths;
}
