import type { Metadata } from "next";
import { pageCaller } from "@/server/caller";
import { WorkspaceSettings } from "./workspace-settings";

export const metadata: Metadata = { title: "Workspace settings" };

/**
 * Invites, members and leaving; invite links and email invitations are listed
 * only for owners and admins, as the API allows.
 */
export default async function WorkspaceSettingsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const caller = await pageCaller();
  const workspace = await caller.workspace.get({ workspaceId });
  const isAdmin = workspace.role === "owner" || workspace.role === "admin";
  const [members, invites, invitations] = await Promise.all([
    caller.workspace.members({ workspaceId }),
    isAdmin ? caller.workspace.listInvites({ workspaceId }) : null,
    isAdmin ? caller.workspace.listInvitations({ workspaceId }) : null,
  ]);
  return <WorkspaceSettings members={members} invites={invites} invitations={invitations} />;
}
