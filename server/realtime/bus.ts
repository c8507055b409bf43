/**
 * The doorbell: topic-based pub/sub that tells subscribers something changed.
 * In-process by default; with REDIS_URL set, every publish also goes through
 * Redis so subscribers on other instances hear it (server/realtime/redis-bus.ts).
 * PostgreSQL stays the truth: subscribers that miss a ring catch up from it.
 */
import { processSingleton } from "@/server/singleton";

export type Listener<T = unknown> = (payload: T) => void;

export interface Bus {
  publish(topic: string, payload: unknown): void;
  subscribe<T>(topic: string, listener: Listener<T>): () => void;
  /** Listeners currently attached (for leak checks). */
  listenerCount(): number;
}

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

  listenerCount(): number {
    let total = 0;
    for (const listeners of this.topics.values()) total += listeners.size;
    return total;
  }
}

export function bus(): Bus {
  return processSingleton<Bus>("realtime:bus", () => new LocalBus());
}

export const topics = {
  target: (kind: "channel" | "conversation", id: string) => `${kind}:${id}`,
  user: (userId: string) => `user:${userId}`,
  token: (tokenId: string) => `token:${tokenId}`,
  typing: (kind: "channel" | "conversation", id: string) => `typing:${kind}:${id}`,
  workspace: (workspaceId: string) => `workspace:${workspaceId}`,
};

/** Tells a user's open streams to re-check their access now (after a removal, say). */
export function announceAccessChange(userId: string, reason: string) {
  bus().publish(topics.user(userId), { type: "access.changed", reason });
}

/** Tells the streams authenticated with a token that it was revoked. */
export function announceTokenRevoked(tokenId: string) {
  bus().publish(topics.token(tokenId), { type: "access.changed", reason: "token revoked" });
}
