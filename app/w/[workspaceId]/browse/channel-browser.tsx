"use client";
/** The channel browser: find a channel by name or topic, open the ones I am in, join public ones. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ChannelMark } from "@/app/_components/channel-mark";
import { CreateChannelDialog } from "@/app/_components/create-channel-dialog";
import { Button } from "@/app/_components/form";
import { PageFrame, Section } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { useWorkspace } from "@/app/_components/workspace-context";
import { placePath } from "@/app/_lib/links";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { ChannelItem } from "@/app/_lib/types";

export function ChannelBrowser({ channels: initialChannels }: { channels: ChannelItem[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const { workspace } = useWorkspace();
  const [filter, setFilter] = useState("");
  const [creating, setCreating] = useState(false);
  const { data: channels } = useQuery({
    ...trpc.channel.list.queryOptions({ workspaceId: workspace.id }),
    initialData: initialChannels,
  });
  const join = useMutation(
    trpc.channel.join.mutationOptions({
      onSuccess: async ({ channelId }) => {
        await queryClient.invalidateQueries(
          trpc.channel.list.queryFilter({ workspaceId: workspace.id }),
        );
        router.push(placePath(workspace.id, { channelId }));
      },
      onError: (error) => toast(`Could not join: ${describeError(error).message}`),
    }),
  );

  const needle = filter.trim().toLowerCase().replace(/^#/, "");
  const shown = channels.filter((channel) =>
    `${channel.name} ${channel.topic}`.toLowerCase().includes(needle),
  );

  return (
    <PageFrame
      title="Browse channels"
      actions={
        <Button variant="secondary" className="shrink-0 py-1" onClick={() => setCreating(true)}>
          New channel
        </Button>
      }
    >
      <Section
        id="channels-heading"
        title="Channels"
        description="Public channels, and the private channels you are in. Join a public channel to read and post in it."
      >
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium">Search channels</span>
          <input
            type="search"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
            placeholder="Name or topic"
            className="rounded-md border border-border bg-bg px-3 py-2 text-fg"
          />
        </label>
        <p role="status" className="text-sm text-muted">
          {needle
            ? `${shown.length} of ${channels.length} ${channels.length === 1 ? "channel" : "channels"} match.`
            : `${channels.length} ${channels.length === 1 ? "channel" : "channels"}.`}
        </p>
        {shown.length === 0 ? (
          <p className="rounded-md border border-border bg-panel px-3 py-6 text-center text-sm text-muted">
            {needle
              ? `No channel matches “${filter.trim()}”. Try another word, or create the channel.`
              : "There are no channels you can see yet. Create one."}
          </p>
        ) : (
          <ul
            aria-label="Channels"
            className="flex flex-col divide-y divide-border rounded-md border border-border"
          >
            {shown.map((channel) => (
              <ChannelRow
                key={channel.id}
                channel={channel}
                href={placePath(workspace.id, { channelId: channel.id })}
                joining={join.isPending && join.variables?.channelId === channel.id}
                onJoin={() => join.mutate({ channelId: channel.id })}
              />
            ))}
          </ul>
        )}
      </Section>
      <CreateChannelDialog open={creating} onClose={() => setCreating(false)} />
    </PageFrame>
  );
}

function ChannelRow({
  channel,
  href,
  joining,
  onJoin,
}: {
  channel: ChannelItem;
  href: string;
  joining: boolean;
  onJoin: () => void;
}) {
  const label = `#${channel.name}`;
  return (
    <li className="flex flex-wrap items-center gap-x-4 gap-y-2 px-3 py-3">
      <div className="min-w-0 flex-1 basis-48">
        <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span className="font-semibold break-all">
            <ChannelMark isPrivate={channel.isPrivate} className="mr-0.5 text-muted" />
            {channel.name}
          </span>
          <Tag>{channel.isPrivate ? "Private" : "Public"}</Tag>
          {channel.archivedAt ? <Tag>Archived</Tag> : null}
          {channel.isMember ? <Tag accent>Joined</Tag> : null}
        </p>
        {channel.topic ? (
          <p className="mt-0.5 text-sm break-words text-muted">{channel.topic}</p>
        ) : null}
      </div>
      {channel.isMember ? (
        <Link
          href={href}
          aria-label={`Open ${label}`}
          className="shrink-0 rounded-md border border-border px-3 py-1 text-sm font-medium hover:bg-hover"
        >
          Open
        </Link>
      ) : channel.isPrivate ? null : (
        <Button
          className="shrink-0 py-1"
          aria-label={`Join ${label}`}
          disabled={joining}
          onClick={onJoin}
        >
          {joining ? "Joining…" : "Join"}
        </Button>
      )}
    </li>
  );
}

function Tag({ children, accent = false }: { children: string; accent?: boolean }) {
  return (
    <span
      className={`rounded-full border px-2 text-xs ${accent ? "border-accent text-accent" : "border-border text-muted"}`}
    >
      {children}
    </span>
  );
}
