/**
 * One feed per followed channel or conversation per process, shared by all
 * of its subscribers here. A feed turns the doorbell (the bus, which may
 * drop, repeat, reorder or delay rings) into a gapless, ordered run of
 * events. The rules it keeps:
 *
 * - listen before reading: it subscribes to the bus *before* it reads the
 *   target's current revision, so nothing published after that read can slip
 *   past;
 * - drop repeats: an event at or below its position was delivered already;
 * - refill gaps from the log: an event beyond position + 1 means a ring was
 *   missed (or overtaken), and the missing revisions are read from
 *   PostgreSQL, where they are committed already (a revision is taken under
 *   the target's row lock and published after commit, so every lower
 *   revision committed first);
 * - look again now and then: a periodic read of the target's revision
 *   catches a lost last ring;
 * - never keep a failure: a first read that fails (a database blip) is retried
 *   with a backoff that every waiting subscriber shares, for as long as
 *   someone waits, and a later attach starts afresh.
 *
 * Recent events stay in a ring buffer so reconnecting subscribers resume
 * from memory; older positions are read from PostgreSQL, one query shared
 * by everyone asking for the same range at once.
 *
 * Everything outside the feed — the bus, the log in PostgreSQL, timers —
 * comes in as parameters (FeedDeps), so the rules are tested without Redis,
 * with a bus and a log that misbehave on purpose (feed.test.ts).
 */
import type { Db } from "@/db/client";
import { env } from "@/lib/env";
import { Limiter } from "@/lib/limiter";
import { processSingleton } from "@/lib/singleton";
import { type Target, targetKey } from "@/lib/target";
import { metrics } from "@/server/metrics";
import { type Bus, topics } from "./bus";
import type { MessageEvent } from "./events";
import { bus } from "./process-bus";
import { currentRevision, readEvents } from "./replay";

export type FeedListener = (event: MessageEvent) => void;

/** Where the truth is: the target's revision now, and its recorded events. */
export interface FeedLog {
  currentRevision(target: Target): Promise<number | null>;
  readEvents(
    target: Target,
    after: number,
    options: { upTo?: number; limit: number },
  ): Promise<MessageEvent[]>;
}

export interface Timer {
  unref?(): unknown;
}

export interface Clock {
  setTimeout(callback: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
}

export const systemClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

export interface FeedDeps {
  bus: Bus;
  log: FeedLog;
  clock: Clock;
}

/**
 * The feed's log in a database, read through `reads`: after a restart
 * thousands of streams resume at once, every feed reading its revision and
 * backlog; bounded, those reads leave the pool's other connections to sends.
 */
export const databaseLog = (db: Db, reads: Limiter): FeedLog => ({
  currentRevision: (target) => reads.run(() => currentRevision(db, target)),
  readEvents: (target, after, options) => reads.run(() => readEvents(db, target, after, options)),
});

/** Half the pool for the feeds' reads, at most. */
const feedReads = () =>
  processSingleton(
    "realtime:feed-reads",
    () => new Limiter(Math.max(1, Math.floor(env().DATABASE_POOL_SIZE / 2))),
  );

const BUFFER_SIZE = 2048;
const GAP_GRACE_MS = 20;
const POLL_MS = 10_000;
const LINGER_MS = 60_000;
const PAGE = 500;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

const unref = (timer: Timer) => {
  timer.unref?.();
  return timer;
};

export class TargetFeed {
  position = 0;
  private initialized = false;
  /** The running initialisation; cleared when it gives up, so the next attach starts afresh. */
  private ready: Promise<void> | undefined;
  private readonly listeners = new Set<FeedListener>();
  private readonly pending = new Map<number, MessageEvent>();
  private buffer: MessageEvent[] = [];
  private catchUpTimer: Timer | undefined;
  private catchingUp = false;
  private pollTimer: Timer | undefined;
  private lingerTimer: Timer | undefined;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly backlogReads = new Map<string, Promise<MessageEvent[]>>();

  constructor(
    private readonly deps: FeedDeps,
    readonly target: Target,
    private readonly onIdle: (feed: TargetFeed) => void,
  ) {
    const unsubscribeEvents = deps.bus.subscribe(topics.target(target), (event) =>
      this.receive(event),
    );
    // Rings may have been lost while the bus was away: look at the log now.
    const unsubscribeReconnects = deps.bus.subscribe(topics.reconnected, () => void this.poll());
    this.unsubscribe = () => {
      unsubscribeEvents();
      unsubscribeReconnects();
    };
    this.schedulePoll();
  }

  private schedulePoll() {
    if (this.closed) return;
    this.pollTimer = unref(
      this.deps.clock.setTimeout(() => {
        void this.poll().finally(() => this.schedulePoll());
      }, POLL_MS),
    );
  }

  /**
   * Reads the revision the feed starts from, once rings from other instances
   * arrive. Failed reads are retried with a growing delay while anyone waits.
   */
  private async initialize() {
    await this.deps.bus.whenSubscribed(topics.target(this.target));
    for (let attempt = 0; ; attempt++) {
      try {
        const revision = await this.deps.log.currentRevision(this.target);
        this.position = revision ?? 0;
        break;
      } catch (error) {
        if (this.nobodyWaits()) throw error;
        const delay = Math.min(RETRY_FIRST_MS * 2 ** attempt, RETRY_MAX_MS);
        console.error(
          `feed ${targetKey(this.target)}: reading its revision failed, retrying in ${delay} ms:`,
          (error as Error).message,
        );
        await new Promise<void>((resolve) => {
          unref(this.deps.clock.setTimeout(resolve, delay));
        });
        if (this.nobodyWaits()) throw error;
      }
    }
    this.initialized = true;
    for (const key of [...this.pending.keys()]) if (key <= this.position) this.pending.delete(key);
    this.drain();
  }

  private nobodyWaits() {
    return this.listeners.size === 0 || this.closed;
  }

  private receive(event: MessageEvent) {
    if (this.initialized && event.position <= this.position) return;
    this.pending.set(event.position, event);
    if (this.initialized) this.drain();
  }

  private drain() {
    for (
      let next = this.pending.get(this.position + 1);
      next;
      next = this.pending.get(this.position + 1)
    ) {
      this.pending.delete(next.position);
      this.deliver(next);
    }
    if (this.pending.size > 0 && !this.catchUpTimer && !this.catchingUp) {
      // Rings from different publishers can arrive slightly out of order; give them a moment.
      this.catchUpTimer = unref(
        this.deps.clock.setTimeout(() => {
          this.catchUpTimer = undefined;
          void this.catchUp();
        }, GAP_GRACE_MS),
      );
    }
  }

  private async catchUp() {
    if (this.catchingUp || this.closed) return;
    this.catchingUp = true;
    try {
      for (;;) {
        metrics().gapReads.inc();
        const missing = await this.deps.log.readEvents(this.target, this.position, {
          limit: PAGE,
        });
        for (const event of missing) {
          if (event.position !== this.position + 1) break;
          this.pending.delete(event.position);
          this.deliver(event);
        }
        for (const key of [...this.pending.keys()])
          if (key <= this.position) this.pending.delete(key);
        if (missing.length < PAGE) break;
      }
    } catch (error) {
      // The next ring or poll tries again.
      console.error(
        `feed ${targetKey(this.target)}: catch-up failed, will retry:`,
        (error as Error).message,
      );
    } finally {
      this.catchingUp = false;
    }
    if (!this.closed) this.drain();
  }

  private async poll() {
    if (!this.initialized || this.catchingUp || this.closed) return;
    try {
      const revision = await this.deps.log.currentRevision(this.target);
      if (revision !== null && revision > this.position) await this.catchUp();
    } catch {
      // The next poll tries again.
    }
  }

  private deliver(event: MessageEvent) {
    this.position = event.position;
    this.buffer.push(event);
    if (this.buffer.length > BUFFER_SIZE * 2) this.buffer = this.buffer.slice(-BUFFER_SIZE);
    for (const listener of this.listeners) listener(event);
  }

  /**
   * Adds a listener; resolves to the position it starts after: the listener
   * gets every event beyond it, and the caller replays up to it.
   */
  async attach(listener: FeedListener, signal?: AbortSignal): Promise<number> {
    this.deps.clock.clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.listeners.add(listener);
    this.ready ??= this.initialize().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    // A subscriber that goes away while the first read is retried stops waiting (and counting).
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error("The subscriber went away."));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      if (signal?.aborted) throw new Error("The subscriber went away.");
      await Promise.race([this.ready, aborted]);
    } catch (error) {
      this.detach(listener);
      throw error;
    } finally {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
    return this.position;
  }

  /** The target's revision in the log now (null when the target is gone). */
  logRevision(): Promise<number | null> {
    return this.deps.log.currentRevision(this.target);
  }

  detach(listener: FeedListener) {
    this.listeners.delete(listener);
    if (this.listeners.size === 0 && !this.lingerTimer && !this.closed) {
      // Kept a while so a reconnecting crowd resumes from memory.
      this.lingerTimer = unref(this.deps.clock.setTimeout(() => this.onIdle(this), LINGER_MS));
    }
  }

  /** Events in (after, upTo], ascending, in pages, from the buffer when it reaches back far enough. */
  async *backlog(after: number, upTo: number): AsyncGenerator<MessageEvent[]> {
    let from = after;
    while (from < upTo) {
      const first = this.buffer[0];
      let page: MessageEvent[];
      if (first && first.position <= from + 1) {
        const start = from + 1 - first.position;
        page = this.buffer.slice(start, start + PAGE).filter((event) => event.position <= upTo);
        metrics().replays.inc({ source: "memory" });
      } else {
        page = await this.readShared(from, upTo);
        metrics().replays.inc({ source: "database" });
      }
      if (page.length === 0) return;
      yield page;
      from = (page[page.length - 1] as MessageEvent).position;
    }
  }

  private readShared(after: number, upTo: number): Promise<MessageEvent[]> {
    const key = `${after}:${upTo}`;
    let read = this.backlogReads.get(key);
    if (!read) {
      read = this.deps.log
        .readEvents(this.target, after, { upTo, limit: PAGE })
        .finally(() => this.backlogReads.delete(key));
      this.backlogReads.set(key, read);
    }
    return read;
  }

  get listenerCount() {
    return this.listeners.size;
  }

  close() {
    this.closed = true;
    this.deps.clock.clearTimeout(this.pollTimer);
    this.deps.clock.clearTimeout(this.catchUpTimer);
    this.deps.clock.clearTimeout(this.lingerTimer);
    this.unsubscribe();
    this.listeners.clear();
  }
}

/** The feeds of one process, one per target and log; a feed goes once idle for a while. */
export class FeedRegistry {
  private readonly feeds = new Map<string, TargetFeed>();

  constructor(private readonly deps: Omit<FeedDeps, "log">) {}

  get(log: FeedLog, logKey: string, target: Target): TargetFeed {
    const key = `${logKey}:${targetKey(target)}`;
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = new TargetFeed({ ...this.deps, log }, target, (idle) => {
        if (idle.listenerCount > 0) return;
        idle.close();
        if (this.feeds.get(key) === idle) this.feeds.delete(key);
      });
      this.feeds.set(key, feed);
    }
    return feed;
  }

  /** Open feeds (for leak checks and tests). */
  get size() {
    return this.feeds.size;
  }

  closeAll() {
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
  }
}

const databases = new WeakMap<Db, { key: string; log: FeedLog }>();
let nextDatabase = 0;

/** The process's feeds, on its bus and the system clock. */
export function feeds() {
  const registry = processSingleton(
    "realtime:feeds",
    () => new FeedRegistry({ bus: bus(), clock: systemClock }),
  );
  return {
    /** The feed of `target` in database `db` (tests run several databases in one process). */
    get(db: Db, target: Target): TargetFeed {
      let database = databases.get(db);
      if (!database) {
        database = { key: String(nextDatabase++), log: databaseLog(db, feedReads()) };
        databases.set(db, database);
      }
      return registry.get(database.log, database.key, target);
    },
    get size() {
      return registry.size;
    },
    closeAll: () => registry.closeAll(),
  };
}
