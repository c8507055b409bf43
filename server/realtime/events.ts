/** What the bus rings and the event streams carry. */
import type { MessageEventKind } from "@/db/schema";
import type { MessageView, ThreadSummary } from "@/server/messages/types";

/** The kinds of recorded change, as the message_events table stores them. */
export type MessageEventType = MessageEventKind;

/**
 * One change to a channel or conversation, at its gapless `position` (the
 * target's revision). `message` is the message's state after the change, so a
 * client can apply events by upserting on `message.id` and dropping events
 * older than the `message.revision` it has.
 */
export interface MessageEvent {
  type: MessageEventType;
  position: number;
  channelId: string | null;
  conversationId: string | null;
  message: MessageView;
  reaction: { emoji: string; userId: string } | null;
  actorId: string;
  at: string;
  /** For a change to a reply: its thread's root as it is now (absolute values, so replays converge). */
  thread: ThreadSummary | null;
}

/** Sent after a (re)connect's replay: everything up to `position` has been delivered. */
export interface SyncEvent {
  type: "sync";
  position: number;
  /** The client's lastEventId was ahead of the server (restored database): reload from scratch. */
  reset: boolean;
}

/** The last event of a stream the server ends for good (no reconnect will help). */
export interface ClosedEvent {
  type: "stream.closed";
  reason: string;
  /**
   * What was lost, so a client knows where to go: the session or API token
   * ("session": sign in again), the workspace, or only the open channel or
   * conversation ("place"; also a stream that failed).
   */
  lost: "session" | "workspace" | "place";
}

export type TargetStreamEvent = MessageEvent | SyncEvent | ClosedEvent;

/** Published on `user:<id>` / `token:<id>` when someone's access may have shrunk. */
export interface AccessChange {
  type: "access.changed";
  reason: string;
}

/** Rung on `user:<id>` or `workspace:<id>` when sidebar items may have changed. */
export interface SidebarChange {
  type: "sidebar.changed";
  channelIds?: string[];
  conversationIds?: string[];
  threads?: boolean;
  activity?: boolean;
}

/** Rung on `workspace:<id>` when a member's name or status changed. */
export interface MemberChange {
  type: "member.changed";
  userId: string;
}

/** Rung on `workspace:<id>` when someone comes online or goes offline there. */
export interface PresenceChange {
  type: "presence";
  userId: string;
  online: boolean;
}

export interface Typist {
  userId: string;
  name: string;
  /** Typing a reply in this thread (its root), rather than in the timeline. */
  threadId?: string | null;
}

/** Rung on `typing:<target>` each time someone types (or stops: they sent their message). */
export interface TypingRing extends Typist {
  typing: boolean;
}
