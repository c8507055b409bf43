/**
 * Typing indicators. A member's `channel.typing` call rings the target's
 * typing topic (through Redis when configured); every process that has
 * watchers for the target keeps who is typing there, each entry expiring
 * 5 s after its last refresh, and tells watchers the whole current list
 * whenever it changes.
 */
import { processSingleton } from "@/lib/singleton";
import { type Target, targetKey } from "@/lib/target";
import { topics } from "./bus";
import type { TypingRing, Typist } from "./events";
import { bus } from "./process-bus";
import { AsyncQueue } from "./queue";
import { accessLost, type StreamIdentity, watchAccess } from "./streams";

const TYPING_TTL_MS = 5_000;

type Watcher = (typists: Typist[]) => void;

class TargetTyping {
  private readonly typists = new Map<
    string,
    { name: string; threadId: string | null; timer: NodeJS.Timeout }
  >();
  readonly watchers = new Set<Watcher>();
  private readonly unsubscribe: () => void;

  constructor(target: Target) {
    this.unsubscribe = bus().subscribe(topics.typing(target), (ring) => this.receive(ring));
  }

  private receive(ring: TypingRing) {
    const current = this.typists.get(ring.userId);
    if (current) clearTimeout(current.timer);
    if (!ring.typing) {
      if (current && this.typists.delete(ring.userId)) this.notify();
      return;
    }
    const timer = setTimeout(() => {
      this.typists.delete(ring.userId);
      this.notify();
    }, TYPING_TTL_MS);
    timer.unref();
    const threadId = ring.threadId ?? null;
    this.typists.set(ring.userId, { name: ring.name, threadId, timer });
    if (!current || current.name !== ring.name || current.threadId !== threadId) this.notify();
  }

  list(): Typist[] {
    return [...this.typists].map(([userId, { name, threadId }]) => ({ userId, name, threadId }));
  }

  private notify() {
    const list = this.list();
    for (const watcher of this.watchers) watcher(list);
  }

  close() {
    for (const { timer } of this.typists.values()) clearTimeout(timer);
    this.typists.clear();
    this.unsubscribe();
  }
}

const registry = () => processSingleton("realtime:typing", () => new Map<string, TargetTyping>());

/** Calls `watcher` with the full list of typists whenever it changes; returns the stop function. */
export function watchTyping(
  target: Target,
  watcher: Watcher,
): { current: Typist[]; stop: () => void } {
  const key = targetKey(target);
  let entry = registry().get(key);
  if (!entry) {
    entry = new TargetTyping(target);
    registry().set(key, entry);
  }
  const typing = entry;
  typing.watchers.add(watcher);
  return {
    current: typing.list(),
    stop() {
      typing.watchers.delete(watcher);
      if (typing.watchers.size === 0) {
        typing.close();
        registry().delete(key);
      }
    },
  };
}

export type TypingStreamEvent =
  | { type: "typing"; typists: Typist[] }
  | { type: "stream.closed"; reason: string };

/**
 * Who is typing in one target: the current list at once, then the whole list
 * each time it changes, until the subscriber loses access (a last
 * `stream.closed` says why) or goes away.
 */
export async function* followTyping(
  identity: StreamIdentity,
  target: Target,
  signal: AbortSignal | undefined,
): AsyncGenerator<TypingStreamEvent> {
  const queue = new AsyncQueue<Typist[]>();
  const watching = watchTyping(target, (typists) => queue.push(typists));
  let lost: string | null = null;
  const stopWatching = watchAccess(
    identity,
    () => accessLost(identity, target),
    (reason) => {
      lost = reason;
      queue.close();
    },
  );
  const stop = () => queue.close();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    yield { type: "typing", typists: watching.current };
    for (let typists = await queue.next(); typists; typists = await queue.next()) {
      yield { type: "typing", typists };
    }
    if (lost) yield { type: "stream.closed", reason: lost };
  } finally {
    signal?.removeEventListener("abort", stop);
    stopWatching();
    watching.stop();
  }
}
