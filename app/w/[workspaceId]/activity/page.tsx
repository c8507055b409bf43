import type { Metadata } from "next";
import { pageCaller } from "@/server/caller";
import { ActivityView } from "./activity-view";

export const metadata: Metadata = { title: "Activity" };

/** Mentions of me, replies in threads I follow, reactions to my messages: the first page. */
export default async function ActivityPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const first = await (await pageCaller()).activity.list({ workspaceId });
  return <ActivityView first={first} />;
}
