import type { Metadata } from "next";
import { serverCaller } from "@/server/caller";
import { ThreadsView } from "./threads-view";

export const metadata: Metadata = { title: "Threads" };

/** The threads I follow in this workspace, latest reply first. */
export default async function ThreadsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const threads = await (await serverCaller()).message.threads({ workspaceId });
  return <ThreadsView threads={threads} />;
}
