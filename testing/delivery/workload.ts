/**
 * The senders: each a distinct person in a closed loop, sending messages with
 * a fresh clientMessageId to a random target they belong to, and now and then
 * editing, deleting or reacting. A send is retried on network errors, 5xx and
 * 429 with the SAME clientMessageId, to the other instance each time; some are
 * repeated after they succeeded, some go to both instances at once, and a few
 * are cut off before any answer and never retried (acknowledged to no one).
 * Everything is recorded for the checker; nothing is judged here.
 */
import { randomUUID } from "node:crypto";
import { sleep } from "@/lib/process";
import { type CallResult, exposedInternals, mutate } from "./calls";
import type { Ack, ChangeRecord, SendRecord, TargetRef } from "./model";
import type { Participant } from "./people";

export interface WorkloadOptions {
  urls: string[];
  /** Pause between one sender's operations, ms (uniform in [min, max]). */
  thinkMs: [number, number];
  /** Of sends: repeated after success; sent to both instances at once; cut off unanswered. */
  repeatRate: number;
  pairRate: number;
  abandonRate: number;
  /** Of operations: an edit, deletion or reaction instead of a send. */
  changeRate: number;
  requestTimeoutMs: number;
  /** A send or change still unacknowledged after this long is given up (and reported). */
  giveUpMs: number;
}

interface MessageRef {
  id: string;
  authorId: string;
  target: TargetRef;
  /** Only mortal messages get deleted; only immortal ones get edits and reactions. */
  mortal: boolean;
}

const EMOJI = ["👍", "🎉", "👀", "🚀"];

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** Everything the senders did, shared with the scenario and the checker. */
export class Ledger {
  readonly sends: SendRecord[] = [];
  readonly changes: ChangeRecord[] = [];
  /** Times of acknowledged sends, for availability gaps. */
  readonly ackTimes: number[] = [];
  /** Failed requests by what went wrong ("message.send HTTP 500 INTERNAL_SERVER_ERROR", "network ECONNREFUSED"). */
  readonly failures = new Map<string, number>();
  /** The same, each with its time, for what failed during which fault. */
  readonly failureLog: { at: number; what: string }[] = [];
  /** Answers that showed server internals. */
  readonly exposures: string[] = [];
  /** Requests answered with a client error that no retry can fix (a bug in the suite or the app). */
  readonly refusals: string[] = [];
  /**
   * UNAUTHORIZED answers to credentials that are valid (every one here is):
   * retried like a 5xx, and reported, since no answer should say so.
   */
  readonly unauthorized: { at: number; what: string }[] = [];
  readonly messages = new Map<string, MessageRef[]>();

  noteFailure(path: string, result: CallResult<unknown>) {
    if (result.kind === "ok") return;
    const key =
      result.kind === "network"
        ? `${path} network ${result.error}`
        : `${path} HTTP ${result.status} ${result.code ?? "(not a tRPC error)"}`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    this.failureLog.push({ at: Date.now(), what: key });
    if (result.kind === "error" && result.status === 401)
      this.unauthorized.push({ at: Date.now(), what: path });
    if (result.kind === "error") {
      const exposed = exposedInternals(result.text);
      if (exposed) this.noteExposure(`${path} HTTP ${result.status}`, exposed);
    }
  }

  noteExposure(where: string, detail: string) {
    if (this.exposures.length < 50) this.exposures.push(`${where}: ${detail}`);
  }

  remember(ref: MessageRef) {
    const list = this.messages.get(ref.target.key) ?? [];
    list.push(ref);
    if (list.length > 400) list.splice(0, list.length - 200);
    this.messages.set(ref.target.key, list);
  }

  get acknowledgedSends() {
    return this.ackTimes.length;
  }
}

/** Lets the scenario pause every sender between operations, for a quiet measurement. */
export class Gate {
  paused = false;
  busy = 0;

  /** Pauses new operations and waits (up to `timeoutMs`) for the ones in hand to finish. */
  async pause(timeoutMs: number): Promise<void> {
    this.paused = true;
    const deadline = Date.now() + timeoutMs;
    while (this.busy > 0 && Date.now() < deadline) await sleep(5);
  }

  resume() {
    this.paused = false;
  }
}

const retryable = (result: CallResult<unknown>) =>
  result.kind === "network" ||
  (result.kind === "error" &&
    (result.status >= 500 ||
      result.status === 429 ||
      result.status === 408 ||
      // Every credential here is valid: an UNAUTHORIZED is the server's fault (noted in the ledger).
      result.status === 401));

function backoff(attempt: number, result: CallResult<unknown>) {
  if (result.kind === "error" && result.status === 429 && result.retryAfterSeconds)
    return result.retryAfterSeconds * 1_000 * (0.5 + Math.random() / 2);
  return Math.min(1_000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random());
}

interface SentMessage {
  id: string;
  sequence: number;
  revision: number;
}

export class Sender {
  private stopping = false;
  private loop: Promise<void> | undefined;
  private sent = 0;

  constructor(
    readonly person: Participant,
    private readonly ledger: Ledger,
    private readonly options: WorkloadOptions,
    private readonly gate = new Gate(),
  ) {}

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** Stops after the operation in hand (which still retries until acknowledged or given up). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run() {
    while (!this.stopping) {
      const [min, max] = this.options.thinkMs;
      await sleep(min + Math.random() * (max - min));
      while (this.gate.paused && !this.stopping) await sleep(5);
      if (this.stopping) break;
      this.gate.busy++;
      try {
        if (Math.random() < this.options.changeRate && (await this.change())) continue;
        await this.send(pick(this.person.targets));
      } finally {
        this.gate.busy--;
      }
    }
  }

  /** Calls `path` until it is answered with data, to the other instance each time; null when given up or refused. */
  private async untilAnswered<T>(
    path: string,
    input: unknown,
    onAttempt: () => void,
  ): Promise<T | null> {
    const deadline = Date.now() + this.options.giveUpMs;
    let index = Math.floor(Math.random() * this.options.urls.length);
    for (let attempt = 0; ; attempt++) {
      const url = this.options.urls[index++ % this.options.urls.length] as string;
      onAttempt();
      const result = await mutate<T>(url, path, input, this.person.credentials, {
        timeoutMs: this.options.requestTimeoutMs,
      });
      if (result.kind === "ok") return result.data;
      this.ledger.noteFailure(path, result);
      if (!retryable(result)) {
        if (result.kind === "error" && this.ledger.refusals.length < 50)
          this.ledger.refusals.push(`${path} HTTP ${result.status}: ${result.text.slice(0, 300)}`);
        return null;
      }
      if (Date.now() > deadline) return null;
      await sleep(backoff(attempt, result));
    }
  }

  private ack(message: SentMessage, via: Ack["via"]): Ack {
    return {
      id: message.id,
      sequence: message.sequence,
      revision: message.revision,
      at: Date.now(),
      via,
    };
  }

  async send(target: TargetRef): Promise<SendRecord> {
    const clientMessageId = randomUUID();
    const mortal = Math.random() < 0.1;
    const body = `${this.person.label} #${++this.sent}${mortal ? " (mortal)" : ""} ${clientMessageId.slice(0, 8)}`;
    const record: SendRecord = {
      authorId: this.person.id,
      targetKey: target.key,
      clientMessageId,
      body,
      attempts: 0,
      acks: [],
      abandoned: false,
      gaveUp: false,
    };
    this.ledger.sends.push(record);
    const input = { [target.inputKey]: target.id, body, clientMessageId };
    const urls = this.options.urls;
    const roll = Math.random();

    if (roll < this.options.abandonRate) {
      // Cut off after a few ms, never retried: acknowledged to no one, unless the answer beat the cut.
      record.attempts++;
      const cut = new AbortController();
      setTimeout(() => cut.abort(), Math.random() * 15);
      const result = await mutate<SentMessage>(
        pick(urls),
        "message.send",
        input,
        this.person.credentials,
        {
          timeoutMs: this.options.requestTimeoutMs,
          signal: cut.signal,
        },
      );
      if (result.kind === "ok") this.acknowledged(record, target, result.data, "send", mortal);
      else record.abandoned = true;
      return record;
    }

    if (roll < this.options.abandonRate + this.options.pairRate) {
      // The same clientMessageId to both instances at once.
      record.attempts += urls.length;
      const results = await Promise.all(
        urls.map((url) =>
          mutate<SentMessage>(url, "message.send", input, this.person.credentials, {
            timeoutMs: this.options.requestTimeoutMs,
          }),
        ),
      );
      for (const result of results) {
        if (result.kind === "ok") this.acknowledged(record, target, result.data, "pair", mortal);
        else this.ledger.noteFailure("message.send", result);
      }
      if (record.acks.length > 0) return record;
    }

    const message = await this.untilAnswered<SentMessage>(
      "message.send",
      input,
      () => record.attempts++,
    );
    if (!message) {
      record.gaveUp = true;
      return record;
    }
    this.acknowledged(record, target, message, "send", mortal);

    if (Math.random() < this.options.repeatRate) {
      // A retry after success (a client that never saw the answer): must name the same message.
      record.attempts++;
      const result = await mutate<SentMessage>(
        pick(urls),
        "message.send",
        input,
        this.person.credentials,
        {
          timeoutMs: this.options.requestTimeoutMs,
        },
      );
      if (result.kind === "ok") record.acks.push(this.ack(result.data, "repeat"));
      else this.ledger.noteFailure("message.send", result);
    }
    return record;
  }

  private acknowledged(
    record: SendRecord,
    target: TargetRef,
    message: SentMessage,
    via: Ack["via"],
    mortal: boolean,
  ) {
    const first = record.acks.length === 0;
    record.acks.push(this.ack(message, via));
    if (!first) return;
    this.ledger.ackTimes.push(Date.now());
    this.ledger.remember({ id: message.id, authorId: this.person.id, target, mortal });
  }

  /** An edit, deletion or reaction on something fitting; false when nothing fits yet. */
  private async change(): Promise<boolean> {
    const target = pick(this.person.targets);
    const known = this.ledger.messages.get(target.key) ?? [];
    const roll = Math.random();
    let kind: ChangeRecord["kind"];
    let candidates: MessageRef[];
    if (roll < 0.5) {
      kind = Math.random() < 0.7 ? "reaction.added" : "reaction.removed";
      candidates = known.filter((message) => !message.mortal);
    } else if (roll < 0.8) {
      kind = "message.updated";
      candidates = known.filter(
        (message) => !message.mortal && message.authorId === this.person.id,
      );
    } else {
      kind = "message.deleted";
      candidates = known.filter((message) => message.mortal && message.authorId === this.person.id);
    }
    const message = candidates.length > 0 ? pick(candidates.slice(-50)) : undefined;
    if (!message) return false;
    if (kind === "message.deleted") {
      // Deleted once; nobody picks it again.
      const list = this.ledger.messages.get(target.key) ?? [];
      list.splice(list.indexOf(message), 1);
    }
    const emoji = kind.startsWith("reaction") ? pick(EMOJI) : null;
    const record: ChangeRecord = {
      actorId: this.person.id,
      kind,
      messageId: message.id,
      emoji,
      acknowledged: false,
    };
    this.ledger.changes.push(record);
    const [path, input] =
      kind === "reaction.added"
        ? ["message.react", { messageId: message.id, emoji }]
        : kind === "reaction.removed"
          ? ["message.unreact", { messageId: message.id, emoji }]
          : kind === "message.updated"
            ? [
                "message.edit",
                {
                  messageId: message.id,
                  body: `edited by ${this.person.label} ${randomUUID().slice(0, 8)}`,
                },
              ]
            : ["message.delete", { messageId: message.id }];
    record.acknowledged = (await this.untilAnswered(path, input, () => {})) !== null;
    return true;
  }
}
