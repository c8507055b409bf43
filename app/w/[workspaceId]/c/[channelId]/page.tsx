import type { Metadata } from "next";
import { isId } from "@/app/_lib/ids";
import { forTitle, serverCaller } from "@/server/caller";
import { ChannelView } from "./channel-view";

type Params = Promise<{ workspaceId: string; channelId: string }>;
type Search = Promise<{ thread?: string | string[] }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { channelId } = await params;
  if (!isId(channelId)) return { title: "Not found" };
  const channel = await forTitle((await serverCaller()).channel.get({ channelId }));
  return { title: channel ? `#${channel.name}` : "Not found" };
}

export default async function ChannelPage({
  params,
  searchParams,
}: {
  params: Params;
  searchParams: Search;
}) {
  const [{ workspaceId, channelId }, { thread }] = await Promise.all([params, searchParams]);
  return (
    <ChannelView
      workspaceId={workspaceId}
      channelId={channelId}
      at={null}
      thread={typeof thread === "string" ? thread : null}
    />
  );
}
