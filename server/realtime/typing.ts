/**
 * Typing indicators. A member's `channel.typing` call rings the target's
 * typing topic (through Redis when configured); every process that has
 * watchers for the target keeps who is typing there, each entry expiring
 * 5 s after its last refresh, and tells watchers the whole current list
 * whenever it changes.
 */
import type { Target } from "@/server/messages/types";
import { targetKey } from "@/server/messages/types";
import { processSingleton } from "@/server/singleton";
import { bus, topics } from "./bus";

const TYPING_TTL_MS = 5_000;

export interface Typist {
  userId: string;
  name: string;
}

interface TypingRing {
  userId: string;
  name: string;
  /** False when the person stopped (sent their message). */
  typing: boolean;
}

type Watcher = (typists: Typist[]) => void;

class TargetTyping {
  private readonly typists = new Map<string, { name: string; timer: NodeJS.Timeout }>();
  readonly watchers = new Set<Watcher>();
  private readonly unsubscribe: () => void;

  constructor(target: Target) {
    this.unsubscribe = bus().subscribe<TypingRing>(topics.typing(target.kind, target.id), (ring) =>
      this.receive(ring),
    );
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
    this.typists.set(ring.userId, { name: ring.name, timer });
    if (!current || current.name !== ring.name) this.notify();
  }

  list(): Typist[] {
    return [...this.typists].map(([userId, { name }]) => ({ userId, name }));
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

export function announceTyping(target: Target, user: Typist, typing = true) {
  bus().publish(topics.typing(target.kind, target.id), {
    userId: user.userId,
    name: user.name,
    typing,
  });
}
