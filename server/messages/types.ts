/** The message as clients see it. */
import type { FileView } from "@/server/files/read";

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
  /** The thread's root, for a reply. */
  parentId: string | null;
  /** A reply that is also shown in the channel's timeline. */
  alsoInChannel: boolean;
  /** For a root: its replies that are not deleted, the last one's time, and who replied (latest first, at most 5). */
  replyCount: number;
  lastReplyAt: string | null;
  replyUsers: { id: string; name: string }[];
  pinnedAt: string | null;
  pinnedBy: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  reactions: ReactionSummary[];
  /** Attached files, in order; empty for most messages (and for deleted ones). */
  files: FileView[];
}

/** A thread's root's counts as a send of replies left them. */
export interface ThreadCounts {
  rootId: string;
  replyCount: number;
  lastReplyAt: string | null;
}

/** A thread's root as a change to one of its replies left it: its counts and who replied, as MessageView has them. */
export interface ThreadSummary extends ThreadCounts {
  replyUsers: { id: string; name: string }[];
}
