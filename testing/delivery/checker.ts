/**
 * The delivery checker: a pure function of what PostgreSQL holds and what the
 * clients saw. It keeps the promise's books:
 *
 * - per target, messages numbered exactly 1..N (N = last_sequence) and
 *   changes recorded exactly at revisions 1..R (R = last_revision), each
 *   message created once and stamped with the revision of its latest change;
 * - every acknowledged send stored once, at the id and sequence its
 *   acknowledgement gave, and every acknowledgement of the same
 *   clientMessageId (retries, repeats after success, pairs sent to both
 *   instances at once) naming that same message;
 * - nothing stored that was never sent, no change recorded that was never
 *   asked for; a send acknowledged to no one stored at most once;
 * - per subscriber stream, the raw events equal to the database's order over
 *   its range (after its start, up to the target's final revision): lost,
 *   doubled, out-of-order, mismatched (another kind or message than the log
 *   has at that position), phantom (a position the log does not have), an
 *   SSE id that is not the event's position, a sync claiming more than was
 *   delivered, a reset, a stream closed by the server.
 */
import type {
  ChangeRecord,
  SendRecord,
  StreamRecord,
  TargetTruth,
  TruthEvent,
  TruthMessage,
} from "./model";

export interface StreamVerdict {
  name: string;
  targetKey: string;
  from: number;
  to: number;
  connections: number;
  delivered: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
  mismatched: number;
  phantom: number;
  idMismatch: number;
  syncGaps: number;
  resets: number;
  closed: number;
}

type StreamCounts = Omit<StreamVerdict, "name" | "targetKey" | "from" | "to">;

export interface CheckReport {
  ok: boolean;
  targets: {
    key: string;
    messages: number;
    events: number;
    lastSequence: number;
    lastRevision: number;
  }[];
  sends: {
    logical: number;
    attempts: number;
    acknowledged: number;
    /** Answers with a message, over all requests (first successes, repeats, pairs). */
    acks: number;
    repeatsAfterSuccess: number;
    pairs: number;
    unacknowledged: number;
    unacknowledgedStored: number;
    abandoned: number;
    gaveUp: number;
  };
  changes: { requested: number; acknowledged: number; recorded: number };
  streams: StreamVerdict[];
  totals: StreamCounts & { expected: number };
  /** Problem kind → how many. */
  counts: Record<string, number>;
  /** A few examples of each problem kind. */
  examples: string[];
}

const sendKey = (authorId: string, clientMessageId: string) =>
  `${authorId}:${clientMessageId.toLowerCase()}`;

const changeKey = (actorId: string, kind: string, messageId: string, emoji: string | null) =>
  `${actorId}|${kind}|${messageId}|${emoji ?? ""}`;

export function check(input: {
  truth: TargetTruth[];
  sends: SendRecord[];
  changes: ChangeRecord[];
  streams: StreamRecord[];
}): CheckReport {
  const counts: Record<string, number> = {};
  const examples: string[] = [];
  const perKind = new Map<string, number>();
  const problem = (kind: string, detail: string) => {
    counts[kind] = (counts[kind] ?? 0) + 1;
    const shown = perKind.get(kind) ?? 0;
    if (shown < 5) examples.push(`${kind}: ${detail}`);
    perKind.set(kind, shown + 1);
  };

  // The log itself: gapless, unique, consistent.
  const stored = new Map<string, { message: TruthMessage; targetKey: string }[]>();
  const truthByKey = new Map<string, TargetTruth>();
  for (const target of input.truth) {
    truthByKey.set(target.key, target);
    target.messages.forEach((message, index) => {
      if (message.sequence !== index + 1)
        problem(
          "sequence gap or duplicate",
          `${target.key} has #${message.sequence} at place ${index + 1}`,
        );
      const key = sendKey(message.authorId, message.clientMessageId);
      stored.set(key, [...(stored.get(key) ?? []), { message, targetKey: target.key }]);
    });
    if (target.messages.length !== target.lastSequence)
      problem(
        "sequence gap or duplicate",
        `${target.key} holds ${target.messages.length} messages, last_sequence ${target.lastSequence}`,
      );
    target.events.forEach((event, index) => {
      if (event.revision !== index + 1)
        problem(
          "revision gap or duplicate",
          `${target.key} has revision ${event.revision} at place ${index + 1}`,
        );
    });
    if (target.events.length !== target.lastRevision)
      problem(
        "revision gap or duplicate",
        `${target.key} holds ${target.events.length} events, last_revision ${target.lastRevision}`,
      );
    const eventsOf = new Map<string, TruthEvent[]>();
    for (const event of target.events)
      eventsOf.set(event.messageId, [...(eventsOf.get(event.messageId) ?? []), event]);
    for (const message of target.messages) {
      const events = eventsOf.get(message.id) ?? [];
      const created = events.filter((event) => event.kind === "message.created");
      if (created.length !== 1)
        problem(
          "message not created exactly once",
          `${target.key} #${message.sequence}: ${created.length} creations`,
        );
      const latest = Math.max(0, ...events.map((event) => event.revision));
      if (message.revision !== latest)
        problem(
          "message revision differs from its last change",
          `${target.key} #${message.sequence}: revision ${message.revision}, last change ${latest}`,
        );
      eventsOf.delete(message.id);
    }
    for (const [messageId, events] of eventsOf)
      problem(
        "change of a message that does not exist",
        `${target.key}: ${events.length} events of ${messageId}`,
      );
  }

  // Sends: acknowledged means stored, once, where the acknowledgement said.
  const sent = new Map<string, SendRecord>();
  const sends = {
    logical: input.sends.length,
    attempts: 0,
    acknowledged: 0,
    acks: 0,
    repeatsAfterSuccess: 0,
    pairs: 0,
    unacknowledged: 0,
    unacknowledgedStored: 0,
    abandoned: 0,
    gaveUp: 0,
  };
  for (const send of input.sends) {
    const key = sendKey(send.authorId, send.clientMessageId);
    sent.set(key, send);
    sends.attempts += send.attempts;
    sends.acks += send.acks.length;
    sends.repeatsAfterSuccess += send.acks.filter((ack) => ack.via === "repeat").length;
    if (send.acks.some((ack) => ack.via === "pair")) sends.pairs++;
    if (send.abandoned) sends.abandoned++;
    if (send.gaveUp) sends.gaveUp++;
    const copies = stored.get(key) ?? [];
    if (copies.length > 1) problem("stored twice", `${key} stored ${copies.length} times`);
    const copy = copies[0];
    if (send.acks.length === 0) {
      sends.unacknowledged++;
      if (copy) sends.unacknowledgedStored++;
      continue;
    }
    sends.acknowledged++;
    if (!copy) {
      problem(
        "acknowledged send not stored",
        `${key} acknowledged as #${send.acks[0]?.sequence} in ${send.targetKey}`,
      );
      continue;
    }
    if (copy.targetKey !== send.targetKey)
      problem(
        "acknowledged send stored elsewhere",
        `${key} sent to ${send.targetKey}, stored in ${copy.targetKey}`,
      );
    for (const ack of send.acks) {
      if (ack.id !== copy.message.id || ack.sequence !== copy.message.sequence)
        problem(
          "acknowledgement names another message",
          `${key} (${ack.via}) acknowledged as #${ack.sequence} ${ack.id}, stored as #${copy.message.sequence} ${copy.message.id}`,
        );
    }
  }
  for (const [key, copies] of stored) {
    const send = sent.get(key);
    for (const copy of copies) {
      if (!send) {
        problem("stored but never sent", `${copy.targetKey} #${copy.message.sequence} (${key})`);
        continue;
      }
      if (!copy.message.edited && !copy.message.deleted && copy.message.body !== send.body)
        problem(
          "stored body differs from the sent one",
          `${copy.targetKey} #${copy.message.sequence}`,
        );
    }
  }

  // Changes: nothing recorded more often than it was asked for.
  const requested = new Map<string, number>();
  for (const change of input.changes) {
    const key = changeKey(change.actorId, change.kind, change.messageId, change.emoji);
    requested.set(key, (requested.get(key) ?? 0) + 1);
  }
  let recordedChanges = 0;
  const recorded = new Map<string, number>();
  for (const target of input.truth) {
    for (const event of target.events) {
      if (event.kind === "message.created") continue;
      recordedChanges++;
      const key = changeKey(event.actorId, event.kind, event.messageId, event.emoji);
      const count = (recorded.get(key) ?? 0) + 1;
      recorded.set(key, count);
      if (count > (requested.get(key) ?? 0))
        problem(
          "change recorded that was never asked for",
          `${target.key} revision ${event.revision} ${event.kind}`,
        );
    }
  }

  // Streams: the raw events against the log, position by position.
  const streams: StreamVerdict[] = [];
  for (const stream of input.streams) {
    const truth = truthByKey.get(stream.targetKey);
    const byRevision = new Map((truth?.events ?? []).map((event) => [event.revision, event]));
    const to = truth?.lastRevision ?? 0;
    const verdict: StreamVerdict = {
      name: stream.name,
      targetKey: stream.targetKey,
      from: stream.from,
      to,
      connections: 0,
      delivered: 0,
      lost: 0,
      doubled: 0,
      outOfOrder: 0,
      mismatched: 0,
      phantom: 0,
      idMismatch: 0,
      syncGaps: 0,
      resets: 0,
      closed: 0,
    };
    const where = (position: number) => `${stream.name} on ${stream.targetKey} at ${position}`;
    const seen = new Set<number>();
    let highest = stream.from;
    let complete = stream.from;
    for (const entry of stream.entries) {
      if (entry.kind === "connect") verdict.connections++;
      else if (entry.kind === "closed") {
        verdict.closed++;
        problem("stream closed by the server", `${stream.name}: ${entry.reason}`);
      } else if (entry.kind === "sync") {
        if (entry.reset) {
          verdict.resets++;
          problem("reset", where(entry.position));
        }
        while (seen.has(complete + 1)) complete++;
        if (entry.position > complete) {
          verdict.syncGaps++;
          problem(
            "sync claims more than was delivered",
            `${where(entry.position)} (complete up to ${complete})`,
          );
        }
      } else if (entry.kind === "event") {
        verdict.delivered++;
        const { position } = entry;
        if (entry.id !== String(position)) {
          verdict.idMismatch++;
          problem("SSE id is not the position", `${where(position)}: id ${entry.id}`);
        }
        if (position <= stream.from || seen.has(position)) {
          verdict.doubled++;
          problem("doubled", where(position));
          continue;
        }
        const expected = byRevision.get(position);
        if (!expected || position > to) {
          verdict.phantom++;
          problem("phantom", `${where(position)}: no such change in the log`);
          continue;
        }
        seen.add(position);
        if (position < highest) {
          verdict.outOfOrder++;
          problem("out of order", `${where(position)} after ${highest}`);
        }
        highest = Math.max(highest, position);
        if (
          expected.kind !== entry.type ||
          expected.messageId !== entry.messageId ||
          (expected.emoji ?? null) !== entry.emoji
        ) {
          verdict.mismatched++;
          problem(
            "mismatched",
            `${where(position)}: got ${entry.type} of ${entry.messageId}, the log has ${expected.kind} of ${expected.messageId}`,
          );
        }
      }
    }
    for (let position = stream.from + 1; position <= to; position++) {
      if (!seen.has(position)) {
        verdict.lost++;
        problem("lost", where(position));
      }
    }
    streams.push(verdict);
  }

  const totals = {
    expected: 0,
    connections: 0,
    delivered: 0,
    lost: 0,
    doubled: 0,
    outOfOrder: 0,
    mismatched: 0,
    phantom: 0,
    idMismatch: 0,
    syncGaps: 0,
    resets: 0,
    closed: 0,
  };
  for (const verdict of streams) {
    totals.expected += Math.max(0, verdict.to - verdict.from);
    for (const key of Object.keys(totals) as (keyof typeof totals)[])
      if (key !== "expected") totals[key] += verdict[key];
  }

  return {
    ok: Object.keys(counts).length === 0,
    targets: input.truth.map((target) => ({
      key: target.key,
      messages: target.messages.length,
      events: target.events.length,
      lastSequence: target.lastSequence,
      lastRevision: target.lastRevision,
    })),
    sends,
    changes: {
      requested: input.changes.length,
      acknowledged: input.changes.filter((change) => change.acknowledged).length,
      recorded: recordedChanges,
    },
    streams,
    totals,
    counts,
    examples,
  };
}
