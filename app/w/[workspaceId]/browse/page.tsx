import type { Metadata } from "next";
import { pageCaller } from "@/server/caller";
import { ChannelBrowser } from "./channel-browser";

export const metadata: Metadata = { title: "Browse channels" };

/** Every channel I can see: the public ones and the private ones I am in (the API filters). */
export default async function BrowsePage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  const channels = await (await pageCaller()).channel.list({ workspaceId });
  return <ChannelBrowser channels={channels} />;
}
