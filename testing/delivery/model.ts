/**
 * What the delivery suite records and what it compares: the targets, every
 * send and change as the clients saw them, and the truth as PostgreSQL holds
 * it. Plain data, so the checker is a pure function a unit test can feed.
 */
import type { StreamEntry } from "./follower";

export interface TargetRef {
  kind: "channel" | "conversation";
  id: string;
  /** "channel:<id>" or "conversation:<id>". */
  key: string;
  /** The input field that names it. */
  inputKey: "channelId" | "conversationId";
}

export function targetRef(kind: TargetRef["kind"], id: string): TargetRef {
  return {
    kind,
    id,
    key: `${kind}:${id}`,
    inputKey: kind === "channel" ? "channelId" : "conversationId",
  };
}

/** A server's acknowledgement of a send: the message as it answered. */
export interface Ack {
  id: string;
  sequence: number;
  revision: number;
  at: number;
  /** Why this request was made: the first success, a retry after success, or one of a pair sent at once. */
  via: "send" | "repeat" | "pair";
}

/** One logical send (one clientMessageId) and everything that happened to it. */
export interface SendRecord {
  authorId: string;
  targetKey: string;
  clientMessageId: string;
  body: string;
  /** HTTP requests made for it. */
  attempts: number;
  acks: Ack[];
  /** Sent once and cut off on purpose before any answer: acknowledged to no one. */
  abandoned: boolean;
  /** Retried until the deadline without an acknowledgement. */
  gaveUp: boolean;
}

/** An edit, deletion or reaction that was asked for (acknowledged or not). */
export interface ChangeRecord {
  actorId: string;
  kind: "message.updated" | "message.deleted" | "reaction.added" | "reaction.removed";
  messageId: string;
  emoji: string | null;
  acknowledged: boolean;
}

export interface StreamRecord {
  name: string;
  targetKey: string;
  /** The position the subscriber started after. */
  from: number;
  entries: StreamEntry[];
}

export interface TruthMessage {
  id: string;
  sequence: number;
  revision: number;
  authorId: string;
  clientMessageId: string;
  body: string;
  edited: boolean;
  deleted: boolean;
}

export interface TruthEvent {
  revision: number;
  kind: string;
  messageId: string;
  actorId: string;
  emoji: string | null;
}

export interface TargetTruth {
  key: string;
  lastSequence: number;
  lastRevision: number;
  /** Ascending by sequence. */
  messages: TruthMessage[];
  /** Ascending by revision. */
  events: TruthEvent[];
}
