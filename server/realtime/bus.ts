/**
 * The doorbell: topic-based pub/sub that tells subscribers something changed.
 * In-process by default; with REDIS_URL set, every publish also goes through
 * Redis so subscribers on other instances hear it (server/realtime/redis-bus.ts).
 * PostgreSQL stays the truth: subscribers that miss a ring catch up from it.
 */

import { redisEnabled } from "@/server/redis";
import { processSingleton } from "@/server/singleton";
import type { SidebarChange } from "./events";
import { LocalBus } from "./local-bus";
import { RedisBus } from "./redis-bus";

export type Listener<T = unknown> = (payload: T) => void;

export interface Bus {
  publish(topic: string, payload: unknown): void;
  subscribe<T>(topic: string, listener: Listener<T>): () => void;
  /** Resolves once rings for `topic` from other instances reach this one. */
  whenSubscribed(topic: string): Promise<void>;
  /** Listeners currently attached (for leak checks). */
  listenerCount(): number;
}

export function bus(): Bus {
  return processSingleton<Bus>("realtime:bus", () =>
    redisEnabled() ? new RedisBus() : new LocalBus(),
  );
}

export const topics = {
  target: (kind: "channel" | "conversation", id: string) => `${kind}:${id}`,
  user: (userId: string) => `user:${userId}`,
  token: (tokenId: string) => `token:${tokenId}`,
  /** Every revocation, for caches of valid tokens. */
  tokens: "tokens",
  typing: (kind: "channel" | "conversation", id: string) => `typing:${kind}:${id}`,
  workspace: (workspaceId: string) => `workspace:${workspaceId}`,
};

/** Tells a user's open streams to re-check their access now (after a removal, say). */
export function announceAccessChange(userId: string, reason: string) {
  bus().publish(topics.user(userId), { type: "access.changed", reason });
}

/** Tells the streams authenticated with a token that it was revoked. */
export function announceTokenRevoked(tokenId: string) {
  bus().publish(topics.tokens, { tokenId });
  bus().publish(topics.token(tokenId), { type: "access.changed", reason: "token revoked" });
}

/** Tells one user's tab streams to re-read these sidebar items. */
export function announceSidebarChange(userId: string, change: Omit<SidebarChange, "type">) {
  bus().publish(topics.user(userId), {
    type: "sidebar.changed",
    ...change,
  } satisfies SidebarChange);
}

/** Tells every tab stream in a workspace to re-read these sidebar items (each re-checks visibility). */
export function announceWorkspaceSidebarChange(
  workspaceId: string,
  change: Omit<SidebarChange, "type">,
) {
  bus().publish(topics.workspace(workspaceId), {
    type: "sidebar.changed",
    ...change,
  } satisfies SidebarChange);
}
