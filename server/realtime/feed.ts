/**
 * One feed per followed channel or conversation per process, shared by all
 * of its subscribers here. A feed turns the doorbell (the bus, which may
 * drop, repeat or reorder) into a gapless, ordered run of events:
 *
 * - it listens on the bus *before* it reads the target's current revision,
 *   so nothing published after that read can slip past;
 * - an event at or below its position is a repeat and is dropped;
 * - an event beyond position + 1 means a ring was missed (or overtaken): the
 *   missing revisions are read from PostgreSQL, where they are committed
 *   already (a revision is taken under the target's row lock and published
 *   after commit, so every lower revision committed first);
 * - a periodic look at the target's revision catches a lost last ring.
 *
 * Recent events stay in a ring buffer so reconnecting subscribers resume
 * from memory; older positions are read from PostgreSQL, one query shared
 * by everyone asking for the same range at once.
 */
import type { Db } from "@/db/client";
import { processSingleton } from "@/lib/singleton";
import { type Target, targetKey } from "@/lib/target";
import { topics } from "./bus";
import type { MessageEvent } from "./events";
import { bus } from "./process-bus";
import { currentRevision, readEvents } from "./replay";

export type FeedListener = (event: MessageEvent) => void;

const BUFFER_SIZE = 2048;
const GAP_GRACE_MS = 20;
const POLL_MS = 10_000;
const LINGER_MS = 60_000;
const PAGE = 500;

export class TargetFeed {
  position = 0;
  private initialized = false;
  /** The running or finished initialisation; cleared when it fails, so the next attach retries. */
  private ready: Promise<void> | undefined;
  private readonly listeners = new Set<FeedListener>();
  private readonly pending = new Map<number, MessageEvent>();
  private buffer: MessageEvent[] = [];
  private catchUpTimer: NodeJS.Timeout | undefined;
  private catchingUp = false;
  private readonly pollTimer: NodeJS.Timeout;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private readonly backlogReads = new Map<string, Promise<MessageEvent[]>>();

  constructor(
    private readonly db: Db,
    readonly target: Target,
    private readonly onIdle: (feed: TargetFeed) => void,
  ) {
    this.unsubscribe = bus().subscribe(topics.target(target), (event) => this.receive(event));
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
    this.pollTimer.unref();
  }

  private async initialize() {
    // Only once rings from other instances arrive may the revision be read.
    await bus().whenSubscribed(topics.target(this.target));
    const revision = await currentRevision(this.db, this.target);
    this.position = revision ?? 0;
    this.initialized = true;
    for (const key of [...this.pending.keys()]) if (key <= this.position) this.pending.delete(key);
    this.drain();
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
      this.catchUpTimer = setTimeout(() => {
        this.catchUpTimer = undefined;
        void this.catchUp();
      }, GAP_GRACE_MS);
    }
  }

  private async catchUp() {
    if (this.catchingUp) return;
    this.catchingUp = true;
    try {
      for (;;) {
        const missing = await readEvents(this.db, this.target, this.position, { limit: PAGE });
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
      console.error(
        `feed ${targetKey(this.target)}: catch-up failed, will retry:`,
        (error as Error).message,
      );
    } finally {
      this.catchingUp = false;
    }
    this.drain();
  }

  private async poll() {
    if (!this.initialized || this.catchingUp) return;
    try {
      const revision = await currentRevision(this.db, this.target);
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
  async attach(listener: FeedListener): Promise<number> {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.listeners.add(listener);
    // A failed first read (a database blip) is not kept: whoever attaches next tries again.
    this.ready ??= this.initialize().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    try {
      await this.ready;
    } catch (error) {
      this.detach(listener);
      throw error;
    }
    return this.position;
  }

  detach(listener: FeedListener) {
    this.listeners.delete(listener);
    if (this.listeners.size === 0 && !this.lingerTimer) {
      // Kept a while so a reconnecting crowd resumes from memory.
      this.lingerTimer = setTimeout(() => this.onIdle(this), LINGER_MS);
      this.lingerTimer.unref();
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
      } else {
        page = await this.readShared(from, upTo);
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
      read = readEvents(this.db, this.target, after, { upTo, limit: PAGE }).finally(() =>
        this.backlogReads.delete(key),
      );
      this.backlogReads.set(key, read);
    }
    return read;
  }

  get listenerCount() {
    return this.listeners.size;
  }

  close() {
    clearInterval(this.pollTimer);
    clearTimeout(this.catchUpTimer);
    clearTimeout(this.lingerTimer);
    this.unsubscribe();
    this.listeners.clear();
  }
}

class FeedRegistry {
  private readonly feeds = new Map<string, TargetFeed>();
  private readonly byDb = new WeakMap<Db, number>();
  private nextDbId = 0;

  get(db: Db, target: Target): TargetFeed {
    let dbId = this.byDb.get(db);
    if (dbId === undefined) {
      dbId = this.nextDbId++;
      this.byDb.set(db, dbId);
    }
    const key = `${dbId}:${targetKey(target)}`;
    let feed = this.feeds.get(key);
    if (!feed) {
      feed = new TargetFeed(db, target, (idle) => {
        if (idle.listenerCount > 0) return;
        idle.close();
        this.feeds.delete(key);
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

export function feeds(): FeedRegistry {
  return processSingleton("realtime:feeds", () => new FeedRegistry());
}
