import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TimelineView } from "@/app/_components/timeline-view";
import { isId } from "@/app/_lib/ids";
import { conversationTitle } from "@/app/_lib/types";
import { forTitle, orNotFound, serverCaller } from "@/server/caller";

type Params = Promise<{ workspaceId: string; conversationId: string }>;

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

export default async function ConversationPage({ params }: { params: Params }) {
  const { workspaceId, conversationId } = await params;
  if (!isId(conversationId)) notFound();
  const caller = await serverCaller();
  const conversation = await orNotFound(caller.conversation.get({ conversationId }));
  if (!conversation || conversation.workspaceId !== workspaceId) notFound();
  const [messages, me] = await Promise.all([
    caller.message.list({ conversationId, limit: 50 }),
    caller.user.me(),
  ]);
  const title = conversationTitle(conversation, me.id);
  return (
    <TimelineView
      target={{ kind: "conversation", id: conversation.id }}
      title={title}
      headingLabel={title}
      messages={messages}
      position={conversation.lastRevision}
      archived={false}
      canModerate={false}
      composerLabel={`Message ${title}`}
    />
  );
}
