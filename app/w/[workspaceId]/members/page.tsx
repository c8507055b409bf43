import type { Metadata } from "next";
import { pageCaller } from "@/server/caller";
import { MembersList } from "./members-list";

export const metadata: Metadata = { title: "Members" };

/** Everyone in the workspace, online first; names open their profile cards. */
export default async function MembersPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const members = await (await pageCaller()).workspace.members({ workspaceId });
  return <MembersList initialMembers={members} />;
}
