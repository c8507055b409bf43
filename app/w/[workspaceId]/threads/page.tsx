import type { Metadata } from "next";
import { pageCaller } from "@/server/caller";
import { ThreadsView } from "./threads-view";

export const metadata: Metadata = { title: "Threads" };

const PAGE_SIZE = 30;

/** The threads I follow in this workspace, latest reply first: the first page. */
export default async function ThreadsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const first = await (await pageCaller()).message.threads({
    workspaceId,
    limit: PAGE_SIZE,
  });
  return <ThreadsView first={first} pageSize={PAGE_SIZE} />;
}
