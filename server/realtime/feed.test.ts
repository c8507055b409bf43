/**
 * The lossless core without Redis or PostgreSQL: a feed and its subscribers
 * (followFeed) driven by a bus that drops, doubles, reorders and delays
 * rings, a log whose reads fail, and subscribers that go away at every step
 * and resume from the last position they saw. Every subscriber must see
 * every event after its starting position exactly once, in order.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { sleep } from "@/lib/process";
import type { Target } from "@/lib/target";
import { type Bus, type Listener, type Topic, topics } from "./bus";
import type { MessageEvent, TargetStreamEvent } from "./events";
import { type Clock, type FeedLog, FeedRegistry, type TargetFeed } from "./feed";
import { LocalBus } from "./local-bus";
import { followFeed } from "./streams";

/** Real timers at 1/100 of the feed's intervals: polls every 100 ms, linger 600 ms. */
const fastClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms / 100),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

const target: Target = { kind: "channel", id: randomUUID() };

function eventAt(position: number): MessageEvent {
  const at = new Date().toISOString();
  return {
    type: "message.created",
    position,
    channelId: target.id,
    conversationId: null,
    message: {
      id: randomUUID(),
      channelId: target.id,
      conversationId: null,
      sequence: position,
      revision: position,
      author: { id: "a", name: "A" },
      body: `#${position}`,
      clientMessageId: randomUUID(),
      parentId: null,
      alsoInChannel: false,
      replyCount: 0,
      lastReplyAt: null,
      replyUsers: [],
      pinnedAt: null,
      pinnedBy: null,
      createdAt: at,
      editedAt: null,
      deletedAt: null,
      reactions: [],
      files: [],
    },
    reaction: null,
    actorId: "a",
    at,
    thread: null,
  };
}

/** The truth: an append-only log whose reads can be made to fail or lag. */
class FakeLog implements FeedLog {
  events: MessageEvent[] = [];
  revisionReads = 0;
  eventReads = 0;
  failRevision = () => false;
  failEvents = () => false;
  lagMs = 0;

  append(): MessageEvent {
    const event = eventAt(this.events.length + 1);
    this.events.push(event);
    return event;
  }

  async currentRevision(): Promise<number | null> {
    this.revisionReads++;
    if (this.lagMs) await sleep(Math.random() * this.lagMs);
    if (this.failRevision()) throw new Error("connection terminated");
    return this.events.length;
  }

  async readEvents(_: Target, after: number, options: { upTo?: number; limit: number }) {
    this.eventReads++;
    if (this.lagMs) await sleep(Math.random() * this.lagMs);
    if (this.failEvents()) throw new Error("connection terminated");
    const upTo = Math.min(options.upTo ?? this.events.length, this.events.length);
    return this.events.slice(after, Math.min(upTo, after + options.limit));
  }
}

/** A doorbell that misbehaves: drops, doubles and delays (so reorders) rings. */
class ChaosBus implements Bus {
  private readonly local = new LocalBus();
  constructor(
    private readonly chaos: { drop: number; double: number; maxDelayMs: number } = {
      drop: 0,
      double: 0,
      maxDelayMs: 0,
    },
  ) {}

  publish<T>(topic: Topic<T>, payload: T): void {
    if (Math.random() < this.chaos.drop) return;
    const copies = Math.random() < this.chaos.double ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = Math.random() * this.chaos.maxDelayMs;
      if (delay < 1) this.local.publish(topic, payload);
      else setTimeout(() => this.local.publish(topic, payload), delay);
    }
  }

  subscribe<T>(topic: Topic<T>, listener: Listener<T>): () => void {
    return this.local.subscribe(topic, listener);
  }

  whenSubscribed(): Promise<void> {
    return sleep(Math.random() * 5);
  }

  listenerCount(): number {
    return this.local.listenerCount();
  }
}

let registries: FeedRegistry[] = [];
afterEach(() => {
  for (const registry of registries) registry.closeAll();
  registries = [];
});

function setUp(bus: Bus, log = new FakeLog()) {
  const registry = new FeedRegistry({ bus, clock: fastClock });
  registries.push(registry);
  const feed = () => registry.get(log, "test", target);
  return { registry, log, feed };
}

/** One subscriber's view: what it received, ended by abort or by the stream. */
function subscribe(feed: TargetFeed, after: number | null) {
  const controller = new AbortController();
  const received: TargetStreamEvent[] = [];
  const done = (async () => {
    for await (const { event } of followFeed(feed, after, controller.signal)) {
      received.push(event);
    }
  })();
  const changes = () =>
    received.filter((e): e is MessageEvent => e.type !== "sync" && e.type !== "stream.closed");
  return {
    received,
    changes,
    last: () => changes().at(-1)?.position ?? after ?? 0,
    synced: () => received.some((e) => e.type === "sync"),
    async stop() {
      controller.abort();
      await done;
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Positions after `from`, 1 by 1: what a subscriber starting there must see. */
const run = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i + 1);

/** Rings after the event is in the log, as the app publishes after commit. */
const ring = (bus: Bus, event: MessageEvent) => bus.publish(topics.target(target), event);

describe("TargetFeed and followFeed", () => {
  it("delivers every event exactly once and in order through a bus that drops, doubles, reorders and delays", async () => {
    const bus = new ChaosBus({ drop: 0.3, double: 0.2, maxDelayMs: 30 });
    const { log, feed } = setUp(bus);
    log.lagMs = 3;
    const send = () => ring(bus, log.append());
    for (let i = 0; i < 50; i++) send();

    // 20 subscribers, starting at different places: now, the beginning, the middle.
    const starts = Array.from({ length: 20 }, (_, i) =>
      i % 3 === 0 ? null : i % 3 === 1 ? 0 : Math.floor(Math.random() * 50),
    );
    const subscribers = starts.map((after) => ({ after, stream: subscribe(feed(), after) }));
    const sending = (async () => {
      for (let i = 0; i < 1000; i++) {
        send();
        if (i % 10 === 0) await sleep(1);
      }
    })();
    await sending;
    const total = log.events.length;
    await until(
      () => subscribers.every(({ stream }) => stream.last() === total),
      "every subscriber to reach the last event",
    );
    for (const { after, stream } of subscribers) {
      await stream.stop();
      const positions = stream.changes().map((event) => event.position);
      const first = after ?? (positions[0] ?? 1) - 1;
      expect(positions).toEqual(run(first, total));
    }
  });

  it("resumes subscribers that go away at every step, exactly once across the reconnects", async () => {
    const bus = new ChaosBus({ drop: 0.2, double: 0.2, maxDelayMs: 10 });
    const { log, feed, registry } = setUp(bus);
    log.lagMs = 2;
    let sending = true;
    const sender = (async () => {
      while (sending) {
        ring(bus, log.append());
        await sleep(Math.random() * 2);
      }
    })();
    // Each subscriber reconnects 30 times, stopping after 0..N events (0: before it even synced).
    const histories = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const seen: number[] = [];
        let position = 0;
        for (let round = 0; round < 30; round++) {
          const stream = subscribe(feed(), position);
          const wanted = Math.floor(Math.random() * 6);
          if (wanted > 0) await until(() => stream.changes().length >= wanted, "some events");
          else await sleep(Math.random() * 3);
          await stream.stop();
          for (const event of stream.changes()) seen.push(event.position);
          position = stream.last();
        }
        return seen;
      }),
    );
    sending = false;
    await sender;
    for (const seen of histories) expect(seen).toEqual(run(0, seen.length));
    // Every subscriber detached: the feed has no listeners left, and the bus only the feed's own.
    expect(feed().listenerCount).toBe(0);
    expect(registry.size).toBe(1);
  });

  it("keeps no failure of its first read: waiting subscribers share one backoff and get in when the log answers", async () => {
    const bus = new ChaosBus();
    const { log, feed } = setUp(bus);
    for (let i = 0; i < 5; i++) log.append();
    let down = true;
    log.failRevision = () => down;
    const subscribers = Array.from({ length: 50 }, () => subscribe(feed(), null));
    await sleep(100);
    expect(subscribers.some((s) => s.synced())).toBe(false);
    // Fifty waiting subscribers, one retrying reader: far fewer reads than subscribers.
    expect(log.revisionReads).toBeLessThan(15);
    down = false;
    await until(() => subscribers.every((s) => s.synced()), "every subscriber to sync");
    ring(bus, log.append());
    await until(() => subscribers.every((s) => s.last() === 6), "the live event");
    for (const s of subscribers) await s.stop();
  });

  it("lets a subscriber that leaves during a failing first read go, and starts afresh on the next attach", async () => {
    const bus = new ChaosBus();
    const { log, feed } = setUp(bus);
    log.append();
    let down = true;
    log.failRevision = () => down;
    const early = subscribe(feed(), null);
    await sleep(30);
    await early.stop();
    expect(feed().listenerCount).toBe(0);
    const readsWhileAlone = log.revisionReads;
    await sleep(100);
    // Nobody waits, so nobody retries.
    expect(log.revisionReads).toBe(readsWhileAlone);
    down = false;
    const late = subscribe(feed(), 0);
    await until(() => late.last() === 1, "the replay");
    await late.stop();
  });

  it("refills gaps when catch-up reads fail half the time", async () => {
    const bus = new ChaosBus({ drop: 0.5, double: 0, maxDelayMs: 5 });
    const { log, feed } = setUp(bus);
    log.failEvents = () => Math.random() < 0.5;
    const stream = subscribe(feed(), null);
    await until(() => stream.synced(), "sync");
    for (let i = 0; i < 300; i++) ring(bus, log.append());
    await until(() => stream.last() === 300, "every event");
    await stream.stop();
    expect(stream.changes().map((e) => e.position)).toEqual(run(0, 300));
  });

  it("finds a last event whose ring was lost by looking at the log", async () => {
    const bus = new ChaosBus();
    const { log, feed } = setUp(bus);
    const stream = subscribe(feed(), null);
    await until(() => stream.synced(), "sync");
    log.append(); // committed, never rung
    await until(() => stream.last() === 1, "the poll to find it", 5_000);
    await stream.stop();
  });

  it("says reset when a client resumes from beyond the log (a restored database)", async () => {
    const bus = new ChaosBus();
    const { log, feed } = setUp(bus);
    for (let i = 0; i < 3; i++) log.append();
    const stream = subscribe(feed(), 10);
    await until(() => stream.synced(), "sync");
    await stream.stop();
    expect(stream.received).toEqual([{ type: "sync", position: 3, reset: true }]);
  });
});
