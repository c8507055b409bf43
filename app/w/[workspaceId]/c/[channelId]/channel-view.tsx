/**
 * A channel page: its header, and the history to start from — around a
 * linked message, at the first unread one, or the newest — with a thread
 * open when the URL names one. Shared by /c/<id> and /c/<id>/<sequence>.
 */
import { notFound } from "next/navigation";
import { ChannelMark } from "@/app/_components/channel-mark";
import { ChannelMenu } from "@/app/_components/channel-menu";
import { JoinChannel } from "@/app/_components/join-channel";
import { MembersLink, TimelineView } from "@/app/_components/timeline-view";
import { isId } from "@/app/_lib/ids";
import { placePath } from "@/app/_lib/links";
import { orNotFound, pageCaller } from "@/server/caller";
import { initialHistory } from "../../initial-history";

export async function ChannelView({
  workspaceId,
  channelId,
  at,
  thread,
}: {
  workspaceId: string;
  channelId: string;
  at: number | null;
  thread: string | null;
}) {
  if (!isId(channelId)) notFound();
  const caller = await pageCaller();
  // The position is read before the history, so the stream replays anything in between.
  const channel = await orNotFound(caller.channel.get({ channelId }));
  if (!channel || channel.workspaceId !== workspaceId) notFound();
  if (!channel.isMember) return <JoinChannel channel={channel} />;
  if (at !== null && at > channel.lastSequence) notFound();
  const [history, workspace] = await Promise.all([
    initialHistory(
      caller,
      { channelId },
      {
        lastSequence: channel.lastSequence,
        lastReadSequence: channel.lastReadSequence ?? 0,
        unreadCount: channel.unreadCount,
      },
      at,
    ),
    caller.workspace.get({ workspaceId }),
  ]);
  const canModerate =
    channel.role === "admin" || workspace.role === "owner" || workspace.role === "admin";
  const settings = `${placePath(workspaceId, { channelId })}/settings`;
  return (
    <TimelineView
      target={{ kind: "channel", id: channel.id }}
      title={
        channel.isPrivate ? (
          <>
            <ChannelMark isPrivate className="mr-1" />
            {channel.name}
          </>
        ) : (
          `#${channel.name}`
        )
      }
      headingLabel={`#${channel.name}`}
      topic={channel.topic}
      details={
        <>
          <MembersLink href={settings} count={channel.memberCount} />
          <ChannelMenu
            target={{ kind: "channel", id: channel.id }}
            label={`#${channel.name}`}
            settingsHref={settings}
          />
        </>
      }
      history={history}
      position={channel.lastRevision}
      openThread={thread && isId(thread) ? thread : null}
      archived={channel.archivedAt !== null}
      canModerate={canModerate}
      composerLabel={`Message #${channel.name}`}
    />
  );
}
