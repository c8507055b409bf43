/** The message as clients see it. */

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
