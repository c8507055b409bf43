"use client";
/**
 * The workspace's members: avatar, name, status, role and presence, online
 * first, with a filter. Presence comes from the tab stream (the chat store's
 * `online`), and names and statuses changed since the page loaded from its
 * `member` events, so the list stays current without a reload. Each name
 * opens the person's profile card.
 */
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useState } from "react";
import { Avatar } from "@/app/_components/avatar";
import { Field } from "@/app/_components/form";
import { PageFrame } from "@/app/_components/page-frame";
import { PersonName, Presence, roleLabel, useLiveProfile } from "@/app/_components/profile-card";
import { useWorkspace } from "@/app/_components/workspace-context";
import { useChat } from "@/app/_lib/chat-store";
import { useTRPC } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";

type Member = inferRouterOutputs<AppRouter>["workspace"]["members"][number];

export function MembersList({ initialMembers }: { initialMembers: Member[] }) {
  const trpc = useTRPC();
  const { workspace, me, store } = useWorkspace();
  const online = useChat(store, (state) => state.online);
  const live = useLiveProfile();
  const [filter, setFilter] = useState("");
  const { data: members } = useQuery({
    ...trpc.workspace.members.queryOptions({ workspaceId: workspace.id }),
    initialData: initialMembers,
    staleTime: 60_000,
  });
  const people = members
    .map((member) => ({
      ...member,
      ...live(member.userId, { name: member.name, status: member.status }),
      online: online.has(member.userId),
    }))
    .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name, undefined));
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? people.filter((person) =>
        `${person.name}\n${person.email}\n${person.status ?? ""}`.toLowerCase().includes(needle),
      )
    : people;
  const onlineCount = people.filter((person) => person.online).length;
  const noun = people.length === 1 ? "member" : "members";
  const summary = needle
    ? `${shown.length} of ${people.length} ${noun} match.`
    : `${people.length} ${noun}, ${onlineCount} online.`;

  return (
    <PageFrame
      title="Members"
      subtitle={workspace.name}
      actions={
        <Link
          href={`/w/${workspace.id}/settings`}
          className="rounded-md border border-border px-3 py-1.5 text-sm font-medium hover:bg-hover"
        >
          Invite people
        </Link>
      }
    >
      <div className="flex flex-col gap-4">
        <Field
          label="Filter members"
          name="member-filter"
          type="search"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          autoComplete="off"
          hint="By name, email or status."
        />
        <p role="status" className="text-sm text-muted">
          {summary}
        </p>
        {shown.length === 0 ? (
          <p className="text-sm">Nobody matches “{filter.trim()}”.</p>
        ) : (
          <ul
            aria-label="Members"
            className="flex flex-col divide-y divide-border rounded-md border border-border"
          >
            {shown.map((person) => (
              <li key={person.userId} className="flex items-center gap-3 px-3 py-2">
                <span className="relative shrink-0">
                  <Avatar userId={person.userId} name={person.name} />
                  {person.online ? (
                    <span
                      aria-hidden="true"
                      className="absolute -right-0.5 -bottom-0.5 h-3 w-3 rounded-full border-2 border-bg bg-green-600"
                    />
                  ) : null}
                </span>
                <div className="min-w-0 flex-1">
                  <p className="flex flex-wrap items-baseline gap-x-1.5">
                    <PersonName
                      userId={person.userId}
                      name={person.name}
                      className="max-w-full break-words"
                    />
                    {person.userId === me.id ? (
                      <span className="text-sm text-muted">(you)</span>
                    ) : null}
                  </p>
                  {person.status ? (
                    <p className="truncate text-sm text-muted" title={person.status}>
                      {person.status}
                    </p>
                  ) : null}
                </div>
                <div className="flex shrink-0 flex-col items-end gap-0.5 text-sm sm:flex-row sm:items-center sm:gap-4">
                  <span>{roleLabel[person.role]}</span>
                  <Presence online={person.online} className="sm:w-20" />
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </PageFrame>
  );
}
