"use client";
/** A channel's members: who is in it, removing people (admins), adding people (any member). */
import { useMutation, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { DataTable } from "@/app/_components/data-table";
import { Button } from "@/app/_components/form";
import { SkeletonRows } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { useWorkspace } from "@/app/_components/workspace-context";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";

export type ChannelMember = inferRouterOutputs<AppRouter>["channel"]["members"][number];

export function MemberList({
  channelId,
  members,
  meId,
  canRemove,
  onChanged,
}: {
  channelId: string;
  members: ChannelMember[];
  meId: string;
  canRemove: boolean;
  onChanged: () => unknown;
}) {
  const trpc = useTRPC();
  const toast = useToast();
  const [confirming, setConfirming] = useState<ChannelMember | null>(null);
  const remove = useMutation(
    trpc.channel.removeMember.mutationOptions({
      onSuccess: (_result, { userId }) => {
        const name = members.find((member) => member.userId === userId)?.name ?? "They";
        setConfirming(null);
        toast(`${name} was removed from the channel.`, "info");
        return onChanged();
      },
      onError: (error) => toast(`Could not remove them: ${describeError(error).message}`),
    }),
  );
  if (members.length === 0) return <p className="text-sm text-muted">Nobody is in it.</p>;
  return (
    <>
      <DataTable
        columns={[
          { label: "Name" },
          { label: "Role" },
          canRemove && { label: "Actions", visuallyHidden: true },
        ]}
      >
        {members.map((member) => {
          const removing = remove.isPending && remove.variables?.userId === member.userId;
          return (
            <tr key={member.userId} className="border-t border-border">
              <th scope="row" className="px-3 py-2 font-normal">
                {member.name}
                {member.userId === meId ? <span className="text-muted"> (you)</span> : null}
              </th>
              <td className="px-3 py-2">{member.role === "admin" ? "Admin" : "Member"}</td>
              {canRemove ? (
                <td className="px-3 py-2 text-right">
                  {member.userId === meId ? null : (
                    <Button
                      variant="secondary"
                      className="py-1"
                      aria-label={`Remove ${member.name}`}
                      disabled={removing}
                      onClick={() => {
                        remove.reset();
                        setConfirming(member);
                      }}
                    >
                      {removing ? "Removing…" : "Remove"}
                    </Button>
                  )}
                </td>
              ) : null}
            </tr>
          );
        })}
      </DataTable>
      <ConfirmDialog
        open={confirming !== null}
        onClose={() => setConfirming(null)}
        title={`Remove ${confirming?.name ?? ""} from the channel?`}
        confirmLabel="Remove"
        pendingLabel="Removing…"
        tone="danger"
        pending={remove.isPending}
        error={remove.error ? describeError(remove.error).message : undefined}
        onConfirm={() => confirming && remove.mutate({ channelId, userId: confirming.userId })}
      >
        <p>
          They stop seeing new messages here at once and are told who removed them. Anyone in the
          channel can add them back.
        </p>
      </ConfirmDialog>
    </>
  );
}

export function AddPeople({
  channelId,
  members,
  onAdded,
}: {
  channelId: string;
  members: ChannelMember[];
  onAdded: () => unknown;
}) {
  const trpc = useTRPC();
  const toast = useToast();
  const { workspace } = useWorkspace();
  const [filter, setFilter] = useState("");
  const people = useQuery(trpc.workspace.members.queryOptions({ workspaceId: workspace.id }));
  const add = useMutation(
    trpc.channel.addMember.mutationOptions({
      onSuccess: (_result, { userId }) => {
        const name = people.data?.find((person) => person.userId === userId)?.name ?? "They";
        toast(`${name} was added to the channel.`, "info");
        return onAdded();
      },
      onError: (error) => toast(`Could not add them: ${describeError(error).message}`),
    }),
  );
  const inChannel = new Set(members.map((member) => member.userId));
  const needle = filter.trim().toLowerCase();
  const candidates = (people.data ?? [])
    .filter((person) => !inChannel.has(person.userId))
    .filter((person) => `${person.name} ${person.email}`.toLowerCase().includes(needle));
  return (
    <div className="flex flex-col gap-3 rounded-md border border-border p-3">
      <h3 className="text-sm font-semibold">Add people</h3>
      <label className="flex flex-col gap-1 text-sm">
        <span className="font-medium">Find people to add</span>
        <input
          type="search"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          className="rounded-md border border-border bg-bg px-3 py-2 text-fg"
        />
      </label>
      {people.isPending ? (
        <SkeletonRows label="Loading workspace members" />
      ) : people.isError ? (
        <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-danger">
          <span>Could not load the workspace's members: {describeError(people.error).message}</span>
          <Button variant="secondary" className="py-1" onClick={() => people.refetch()}>
            Try again
          </Button>
        </div>
      ) : candidates.length === 0 ? (
        <p className="text-sm text-muted">
          {needle
            ? "Nobody outside the channel matches."
            : "Everyone in the workspace is already here. Invite more people from Workspace settings."}
        </p>
      ) : (
        <ul className="flex max-h-72 flex-col gap-1 overflow-y-auto">
          {candidates.map((person) => {
            const adding = add.isPending && add.variables?.userId === person.userId;
            return (
              <li
                key={person.userId}
                className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded px-2 py-1 hover:bg-hover"
              >
                <span className="min-w-0 flex-1">
                  <span className="font-medium">{person.name}</span>{" "}
                  <span className="break-all text-muted">{person.email}</span>
                </span>
                <Button
                  variant="secondary"
                  className="py-1"
                  aria-label={`Add ${person.name}`}
                  disabled={adding}
                  onClick={() => add.mutate({ channelId, userId: person.userId })}
                >
                  {adding ? "Adding…" : "Add"}
                </Button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
