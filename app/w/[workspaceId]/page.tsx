import { redirect } from "next/navigation";
import { placePath } from "@/app/_lib/links";
import { pageCaller } from "@/server/caller";

/** A workspace opens on #general, or the first channel you are in. */
export default async function WorkspaceHome({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const caller = await pageCaller();
  const workspace = await caller.workspace.get({ workspaceId });
  const channels = await caller.channel.list({ workspaceId });
  const first =
    channels.find((channel) => channel.id === workspace.generalChannelId && channel.isMember) ??
    channels.find((channel) => channel.isMember);
  redirect(first ? placePath(workspaceId, { channelId: first.id }) : `/w/${workspaceId}/browse`);
}
