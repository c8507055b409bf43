import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { isId } from "@/app/_lib/ids";
import { forTitle, orNotFound, pageCaller, serverCaller } from "@/server/caller";
import { ChannelSettings } from "./channel-settings";

type Params = Promise<{ workspaceId: string; channelId: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { channelId } = await params;
  if (!isId(channelId)) return { title: "Not found" };
  const channel = await forTitle((await serverCaller()).channel.get({ channelId }));
  return { title: channel ? `Settings · #${channel.name}` : "Not found" };
}

/** Channel settings; a private channel I am not in does not exist for me (NOT_FOUND). */
export default async function ChannelSettingsPage({ params }: { params: Params }) {
  const { workspaceId, channelId } = await params;
  if (!isId(channelId)) notFound();
  const caller = await pageCaller();
  const channel = await orNotFound(caller.channel.get({ channelId }));
  if (!channel || channel.workspaceId !== workspaceId) notFound();
  const members = await caller.channel.members({ channelId });
  return <ChannelSettings channel={channel} members={members} />;
}
