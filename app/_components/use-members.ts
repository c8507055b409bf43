"use client";
/** The workspace's people, cached per tab: names for mentions and the mention picker. */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "@/app/_lib/trpc";
import { useWorkspace } from "./workspace-context";

export function useMembers() {
  const trpc = useTRPC();
  const { workspace } = useWorkspace();
  const query = useQuery({
    ...trpc.workspace.members.queryOptions({ workspaceId: workspace.id }),
    staleTime: 60_000,
  });
  return useMemo(() => {
    const members = query.data ?? [];
    const names = new Map(members.map((member) => [member.userId, member.name]));
    return { members, resolve: (userId: string) => names.get(userId) };
  }, [query.data]);
}
