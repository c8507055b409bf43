/** What the event streams carry. */
import type { MessageView } from "@/server/messages/types";

export type MessageEventType =
  | "message.created"
  | "message.updated"
  | "message.deleted"
  | "reaction.added"
  | "reaction.removed";

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
}
