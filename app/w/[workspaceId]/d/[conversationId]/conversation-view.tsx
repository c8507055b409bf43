/**
 * A direct conversation page: the history to start from — around a linked
 * message, at the first unread one, or the newest — with a thread open when
 * the URL names one. Shared by /d/<id> and /d/<id>/<sequence>.
 */
import { notFound } from "next/navigation";
import { ChannelMenu } from "@/app/_components/channel-menu";
import { TimelineView } from "@/app/_components/timeline-view";
import { isId } from "@/app/_lib/ids";
import { conversationTitle } from "@/app/_lib/types";
import { orNotFound, pageCaller } from "@/server/caller";
import { initialHistory } from "../../initial-history";

export async function ConversationView({
  workspaceId,
  conversationId,
  at,
  thread,
}: {
  workspaceId: string;
  conversationId: string;
  at: number | null;
  thread: string | null;
}) {
  if (!isId(conversationId)) notFound();
  const caller = await pageCaller();
  const conversation = await orNotFound(caller.conversation.get({ conversationId }));
  if (!conversation || conversation.workspaceId !== workspaceId) notFound();
  if (at !== null && at > conversation.lastSequence) notFound();
  const [history, me] = await Promise.all([
    initialHistory(caller, { conversationId }, conversation, at),
    caller.user.me(),
  ]);
  const title = conversationTitle(conversation, me.id);
  return (
    <TimelineView
      target={{ kind: "conversation", id: conversation.id }}
      title={title}
      headingLabel={title}
      details={<ChannelMenu target={{ kind: "conversation", id: conversation.id }} label={title} />}
      history={history}
      position={conversation.lastRevision}
      openThread={thread && isId(thread) ? thread : null}
      archived={false}
      canModerate={false}
      composerLabel={`Message ${title}`}
    />
  );
}
