import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ChannelMark } from "@/app/_components/channel-mark";
import { JoinChannel } from "@/app/_components/join-channel";
import { MembersLink, TimelineView } from "@/app/_components/timeline-view";
import { isId } from "@/app/_lib/ids";
import { forTitle, orNotFound, serverCaller } from "@/server/caller";

type Params = Promise<{ workspaceId: string; channelId: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { channelId } = await params;
  if (!isId(channelId)) return { title: "Not found" };
  const channel = await forTitle((await serverCaller()).channel.get({ channelId }));
  return { title: channel ? `#${channel.name}` : "Not found" };
}

export default async function ChannelPage({ params }: { params: Params }) {
  const { workspaceId, channelId } = await params;
  if (!isId(channelId)) notFound();
  const caller = await serverCaller();
  // The position is read before the history, so the stream replays anything in between.
  const channel = await orNotFound(caller.channel.get({ channelId }));
  if (!channel || channel.workspaceId !== workspaceId) notFound();
  if (!channel.isMember) return <JoinChannel channel={channel} />;
  const messages = await caller.message.list({ channelId, limit: 50 });
  const workspace = await caller.workspace.get({ workspaceId });
  const canModerate =
    channel.role === "admin" || workspace.role === "owner" || workspace.role === "admin";
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
          <MembersLink
            href={`/w/${workspaceId}/c/${channelId}/settings`}
            count={channel.memberCount}
          />
          <a
            href={`/w/${workspaceId}/c/${channelId}/settings`}
            className="shrink-0 rounded border border-border px-2 py-1 text-sm hover:bg-hover"
          >
            Channel settings
          </a>
        </>
      }
      messages={messages}
      position={channel.lastRevision}
      archived={channel.archivedAt !== null}
      canModerate={canModerate}
      composerLabel={`Message #${channel.name}`}
    />
  );
}
