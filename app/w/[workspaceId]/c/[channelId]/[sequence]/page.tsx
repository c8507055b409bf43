import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { sequenceOf } from "@/app/_lib/ids";
import { ChannelView } from "../channel-view";
import { generateMetadata as channelMetadata } from "../page";

type Params = Promise<{ workspaceId: string; channelId: string; sequence: string }>;
type Search = Promise<{ thread?: string | string[] }>;

export function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return channelMetadata({ params });
}

/** A message's permalink: its channel's history around it, the message highlighted. */
export default async function ChannelMessagePage({
  params,
  searchParams,
}: {
  params: Params;
  searchParams: Search;
}) {
  const [{ workspaceId, channelId, sequence }, { thread }] = await Promise.all([
    params,
    searchParams,
  ]);
  const at = sequenceOf(sequence);
  if (at === null) notFound();
  return (
    <ChannelView
      workspaceId={workspaceId}
      channelId={channelId}
      at={at}
      thread={typeof thread === "string" ? thread : null}
    />
  );
}
