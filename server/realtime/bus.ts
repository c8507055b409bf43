/**
 * The doorbell's contract: topic-based pub/sub that tells subscribers
 * something changed, and the map from each topic to what it carries. The
 * process's instance is in process-bus.ts (in-process, or Redis when
 * REDIS_URL is set). PostgreSQL stays the truth: subscribers that miss a
 * ring catch up from it.
 */
import type { Target } from "@/lib/target";
import type {
  AccessChange,
  MemberChange,
  MessageEvent,
  PresenceChange,
  SidebarChange,
  TypingRing,
} from "./events";

declare const carries: unique symbol;
/** A topic name that says, in its type, what its payloads are. */
export type Topic<T> = string & { readonly [carries]?: T };

/** What each kind of topic carries. */
export interface TopicPayloads {
  /** Every recorded change of one channel or conversation, at its position. */
  target: MessageEvent;
  /** One person's access or sidebar may have changed. */
  user: AccessChange | SidebarChange;
  /** One API token was revoked. */
  token: AccessChange;
  /** Any token was revoked (for caches of valid tokens). */
  tokens: { tokenId: string };
  /** Browser sessions ended (for caches of valid sessions). */
  sessions: { sessionIds: string[] };
  /** Who is typing in one channel or conversation. */
  typing: TypingRing;
  /**
   * Rung on this instance only when the bus came back after losing its
   * connection: rings may have been lost meanwhile, so listeners look again.
   */
  reconnected: { at: number };
  /** A workspace's sidebar items, presence or a member's profile changed. */
  workspace: SidebarChange | PresenceChange | MemberChange;
}

const topic = <K extends keyof TopicPayloads>(_kind: K, name: string) =>
  name as Topic<TopicPayloads[K]>;

export const topics = {
  target: (target: Target) => topic("target", `${target.kind}:${target.id}`),
  user: (userId: string) => topic("user", `user:${userId}`),
  token: (tokenId: string) => topic("token", `token:${tokenId}`),
  tokens: topic("tokens", "tokens"),
  reconnected: topic("reconnected", "bus:reconnected"),
  sessions: topic("sessions", "sessions"),
  typing: (target: Target) => topic("typing", `typing:${target.kind}:${target.id}`),
  workspace: (workspaceId: string) => topic("workspace", `workspace:${workspaceId}`),
};

export type Listener<T> = (payload: T) => void;

export interface Bus {
  publish<T>(topic: Topic<T>, payload: T): void;
  subscribe<T>(topic: Topic<T>, listener: Listener<T>): () => void;
  /** Resolves once rings for `topic` from other instances reach this one. */
  whenSubscribed(topic: Topic<unknown>): Promise<void>;
  /** Listeners currently attached (for leak checks). */
  listenerCount(): number;
}
