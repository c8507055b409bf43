"use client";
/** Names for previews outside a timeline: of the place a message is in, and of the people it mentions. */
import { useCallback } from "react";
import { useChat } from "@/app/_lib/chat-store";
import { conversationTitle } from "@/app/_lib/types";
import type { TargetIds } from "@/lib/target";
import { useMembers } from "./use-members";
import { useWorkspace } from "./workspace-context";

/** What to call the channel or conversation a message is in: "#name", or the other people's names. */
export function usePlaceName() {
  const { store, me } = useWorkspace();
  const channels = useChat(store, (state) => state.channels);
  const conversations = useChat(store, (state) => state.conversations);
  return useCallback(
    /** `channelName` is the API's, when it gave one; the sidebar's lists fill in the rest. */
    (ids: TargetIds, channelName?: string | null): string => {
      if (ids.channelId) {
        const name = channelName ?? channels.find((c) => c.id === ids.channelId)?.name;
        return name ? `#${name}` : "a channel";
      }
      const conversation = conversations.find((c) => c.id === ids.conversationId);
      return conversation ? conversationTitle(conversation, me.id) : "a direct message";
    },
    [channels, conversations, me.id],
  );
}

/**
 * A mentioned person's name by id (ids arrive lowercased). My own is known
 * before the member list has loaded, so "mentioned you" previews never show
 * me as unknown.
 */
export function useMentionName() {
  const { me } = useWorkspace();
  const { resolve } = useMembers();
  return useCallback(
    (userId: string) => resolve(userId) ?? (userId === me.id.toLowerCase() ? me.name : undefined),
    [resolve, me],
  );
}
