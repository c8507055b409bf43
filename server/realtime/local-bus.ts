/** The in-process bus: topic listeners in this process only. */
import type { Bus, Listener } from "./bus";

/** Delivers to listeners in this process. */
export class LocalBus implements Bus {
  private readonly topics = new Map<string, Set<Listener>>();
  /** Called when a topic gets its first listener or loses its last one. */
  onTopicChange?: (topic: string, active: boolean) => void;

  publish(topic: string, payload: unknown): void {
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

  subscribe<T>(topic: string, listener: Listener<T>): () => void {
    let listeners = this.topics.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(topic, listeners);
      this.onTopicChange?.(topic, true);
    }
    listeners.add(listener as Listener);
    return () => {
      const current = this.topics.get(topic);
      if (!current?.delete(listener as Listener)) return;
      if (current.size === 0) {
        this.topics.delete(topic);
        this.onTopicChange?.(topic, false);
      }
    };
  }

  whenSubscribed(_topic: string): Promise<void> {
    return Promise.resolve();
  }

  listenerCount(): number {
    let total = 0;
    for (const listeners of this.topics.values()) total += listeners.size;
    return total;
  }
}
