"use client";
/**
 * Channel settings: details, who may notify everyone (@channel, @here),
 * members, joining or leaving, archiving. Each control is offered as the
 * server allows it for me (channel admins and workspace owners/admins
 * manage; any member adds people), and the server's answer is shown beside
 * the control when it refuses.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { ChannelMark } from "@/app/_components/channel-mark";
import { PageFrame, Section } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { useWorkspace } from "@/app/_components/workspace-context";
import { placePath } from "@/app/_lib/links";
import { useTRPC } from "@/app/_lib/trpc";
import type { ChannelDetails } from "@/app/_lib/types";
import { ArchiveSection } from "./archive-section";
import { BroadcastSection } from "./broadcast-section";
import { DetailsForm } from "./details-form";
import { AddPeople, type ChannelMember, MemberList } from "./members";
import { MembershipSection } from "./membership-section";

export function ChannelSettings({
  channel: initialChannel,
  members: initialMembers,
}: {
  channel: ChannelDetails;
  members: ChannelMember[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const { workspace, me } = useWorkspace();
  const channelId = initialChannel.id;
  const { data: channel } = useQuery({
    ...trpc.channel.get.queryOptions({ channelId }),
    initialData: initialChannel,
  });
  const { data: members } = useQuery({
    ...trpc.channel.members.queryOptions({ channelId }),
    initialData: initialMembers,
  });

  const canManage =
    channel.role === "admin" || workspace.role === "owner" || workspace.role === "admin";
  const archived = channel.archivedAt !== null;
  const label = `#${channel.name}`;
  const channelHref = placePath(workspace.id, { channelId });

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.channel.get.queryFilter({ channelId })),
      queryClient.invalidateQueries(trpc.channel.members.queryFilter({ channelId })),
      queryClient.invalidateQueries(trpc.channel.list.queryFilter({ workspaceId: workspace.id })),
    ]);

  return (
    <PageFrame
      title="Channel settings"
      subtitle={
        <>
          <ChannelMark isPrivate={channel.isPrivate} className="mr-0.5" />
          {channel.name}
          {channel.isPrivate ? " · Private" : " · Public"}
          {archived ? " · Archived" : ""}
        </>
      }
      actions={
        <Link
          href={channelHref}
          className="max-w-[45%] truncate rounded border border-border px-2 py-1 text-sm hover:bg-hover"
        >
          Back to {label}
        </Link>
      }
    >
      <Section
        id="details-heading"
        title="Details"
        description="The name people find the channel by, and the topic shown under it."
      >
        <DetailsForm
          key={`${channel.name}\n${channel.topic}`}
          channel={channel}
          note={
            !canManage
              ? `Only admins of ${label} and workspace owners and admins can change its details.`
              : archived
                ? `${label} is archived and read-only. Unarchive it below to change its details.`
                : undefined
          }
          onSaved={() => {
            toast("Channel details saved.", "info");
            return refresh();
          }}
        />
      </Section>

      <Section
        id="broadcast-heading"
        title="Notifying everyone"
        description={`Who may notify the whole of ${label} at once.`}
      >
        <BroadcastSection
          channel={channel}
          label={label}
          note={
            !canManage
              ? `Only admins of ${label} and workspace owners and admins can change this.`
              : archived
                ? `${label} is archived and read-only. Unarchive it below to change this.`
                : undefined
          }
          onSaved={() => {
            toast("Who can notify everyone is saved.", "info");
            return refresh();
          }}
        />
      </Section>

      <Section
        id="members-heading"
        title="Members"
        description={
          canManage
            ? `${members.length} ${members.length === 1 ? "person is" : "people are"} in ${label}.`
            : `${members.length} ${members.length === 1 ? "person is" : "people are"} in ${label}. Only admins of ${label} and workspace owners and admins can remove people.`
        }
      >
        <MemberList
          channelId={channelId}
          members={members}
          meId={me.id}
          canRemove={canManage}
          onChanged={refresh}
        />
        {channel.isMember ? (
          <AddPeople channelId={channelId} members={members} onAdded={refresh} />
        ) : (
          <p className="text-sm text-muted">Join {label} to add people to it.</p>
        )}
      </Section>

      {channel.name === "general" ? (
        <p className="text-sm text-muted">
          Everyone in the workspace is in {label}: it cannot be left or archived.
        </p>
      ) : (
        <>
          <MembershipSection
            channelId={channelId}
            label={label}
            isMember={channel.isMember}
            isPrivate={channel.isPrivate}
            onJoined={refresh}
          />
          {canManage ? (
            <ArchiveSection
              channelId={channelId}
              label={label}
              archived={archived}
              onChanged={refresh}
            />
          ) : null}
        </>
      )}
    </PageFrame>
  );
}
