/** The in-process bus: topic listeners in this process only. */
import { metrics } from "@/server/metrics";
import type { Bus, Listener, Topic } from "./bus";

type AnyListener = Listener<unknown>;

export class LocalBus implements Bus {
  private readonly topics = new Map<string, Set<AnyListener>>();
  /** Called when a topic gets its first listener or loses its last one. */
  onTopicChange?: (topic: string, active: boolean) => void;

  /** `counted`: false inside the Redis bus, which counts its own publishes. */
  constructor(private readonly counted = true) {}

  publish<T>(topic: Topic<T>, payload: T): void {
    if (this.counted) metrics().busPublished.inc({ transport: "local" });
    const listeners = this.topics.get(topic);
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`listener on ${topic} failed:`, error);
      }
    }
  }

  subscribe<T>(topic: Topic<T>, listener: Listener<T>): () => void {
    let listeners = this.topics.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(topic, listeners);
      this.onTopicChange?.(topic, true);
    }
    // Listeners of a topic all take its payload type; the set holds them untyped.
    const stored = listener as AnyListener;
    listeners.add(stored);
    return () => {
      const current = this.topics.get(topic);
      if (!current?.delete(stored)) return;
      if (current.size === 0) {
        this.topics.delete(topic);
        this.onTopicChange?.(topic, false);
      }
    };
  }

  whenSubscribed(): Promise<void> {
    return Promise.resolve();
  }

  listenerCount(): number {
    let total = 0;
    for (const listeners of this.topics.values()) total += listeners.size;
    return total;
  }
}
