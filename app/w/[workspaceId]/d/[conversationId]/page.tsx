import type { Metadata } from "next";
import { isId } from "@/app/_lib/ids";
import { conversationTitle } from "@/app/_lib/types";
import { forTitle, serverCaller } from "@/server/caller";
import { ConversationView } from "./conversation-view";

type Params = Promise<{ workspaceId: string; conversationId: string }>;
type Search = Promise<{ thread?: string | string[] }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { conversationId } = await params;
  if (!isId(conversationId)) return { title: "Not found" };
  const caller = await serverCaller();
  const [conversation, me] = await Promise.all([
    forTitle(caller.conversation.get({ conversationId })),
    forTitle(caller.user.me()),
  ]);
  return { title: conversation && me ? conversationTitle(conversation, me.id) : "Not found" };
}

export default async function ConversationPage({
  params,
  searchParams,
}: {
  params: Params;
  searchParams: Search;
}) {
  const [{ workspaceId, conversationId }, { thread }] = await Promise.all([params, searchParams]);
  return (
    <ConversationView
      workspaceId={workspaceId}
      conversationId={conversationId}
      at={null}
      thread={typeof thread === "string" ? thread : null}
    />
  );
}
