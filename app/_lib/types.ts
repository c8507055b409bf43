/** Client-side types inferred from the API, so the UI speaks the contract's shapes. */
import type { inferRouterOutputs } from "@trpc/server";
import type { WorkspaceStreamEvent } from "@/server/realtime/workspace-stream";
import type { AppRouter } from "@/server/routers/_app";

type Outputs = inferRouterOutputs<AppRouter>;

export type Message = Outputs["message"]["list"][number];
export type ChannelItem = Outputs["channel"]["list"][number];
export type ConversationItem = Outputs["conversation"]["list"][number];
export type ChannelDetails = Outputs["channel"]["get"];
export type WorkspaceSummary = Outputs["workspace"]["list"][number];
export type Me = Outputs["user"]["me"];
export type StreamEvent = WorkspaceStreamEvent;

export function conversationTitle(conversation: ConversationItem, meId: string): string {
  const others = conversation.members.filter((member) => member.id !== meId);
  return (others.length > 0 ? others : conversation.members)
    .map((member) => member.name)
    .join(", ");
}
