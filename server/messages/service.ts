/** The message operations behind the API: access already checked, events published after commit. */
import type { Db } from "@/db/client";
import { loadMessageRef, type TargetAccess } from "@/server/access";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { enforce } from "@/server/ratelimit";
import { bus, topics } from "@/server/realtime/bus";
import type { MessageEvent } from "@/server/realtime/events";
import { announceTyping } from "@/server/realtime/typing";
import { sendQueue } from "./send-queue";
import type { MessageView, Target } from "./types";

export function publishMessageEvent(event: MessageEvent | null) {
  if (!event) return;
  const target: Target = event.channelId
    ? { kind: "channel", id: event.channelId }
    : { kind: "conversation", id: event.conversationId as string };
  bus().publish(topics.target(target.kind, target.id), event);
}

export function createdEvent(message: MessageView): MessageEvent {
  return {
    type: "message.created",
    position: message.revision,
    channelId: message.channelId,
    conversationId: message.conversationId,
    message,
    reaction: null,
    actorId: message.author.id,
    at: message.createdAt,
  };
}

export async function postMessage(
  db: Db,
  authorId: string,
  target: TargetAccess,
  input: { body: string; clientMessageId: string; parentId?: string | null },
): Promise<MessageView> {
  await enforce(`send:${authorId}`, env().RATE_LIMIT_SEND, "messages");
  if (input.parentId) {
    const parent = await loadMessageRef(db, input.parentId);
    if (!parent || parent.target.kind !== target.kind || parent.target.id !== target.id) {
      throw new AppError("NOT_FOUND", "parentId: no such message in this channel or conversation.");
    }
  }
  const result = await sendQueue(db).send({
    authorId,
    target: { kind: target.kind, id: target.id },
    body: input.body,
    clientMessageId: input.clientMessageId,
    parentId: input.parentId ?? null,
  });
  if (!result.ok) throw result.error;
  if (result.created) {
    publishMessageEvent(createdEvent(result.message));
    announceTyping(target, { userId: authorId, name: result.message.author.name }, false);
  }
  return result.message;
}
