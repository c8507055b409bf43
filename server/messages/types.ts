/** Shapes shared by the message domain: targets and the message as clients see it. */

/** Where a message lives: exactly one channel or one conversation. */
export type Target = { kind: "channel"; id: string } | { kind: "conversation"; id: string };

export interface ReactionSummary {
  emoji: string;
  count: number;
  userIds: string[];
}

export interface MessageView {
  id: string;
  channelId: string | null;
  conversationId: string | null;
  sequence: number;
  /** Position of the latest change to this message in its target's event stream. */
  revision: number;
  author: { id: string; name: string };
  /** Empty for deleted messages (tombstones). */
  body: string;
  clientMessageId: string;
  parentId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  reactions: ReactionSummary[];
}

export function targetOf(row: { channelId: string | null; conversationId: string | null }): Target {
  if (row.channelId) return { kind: "channel", id: row.channelId };
  if (row.conversationId) return { kind: "conversation", id: row.conversationId };
  throw new Error("message without a target");
}

export function targetKey(target: Target): string {
  return `${target.kind}:${target.id}`;
}

/** Timestamps arrive as Date (query builder) or string (raw SQL); clients get ISO 8601. */
export function isoTime(value: Date | string): string;
export function isoTime(value: Date | string | null): string | null;
export function isoTime(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
