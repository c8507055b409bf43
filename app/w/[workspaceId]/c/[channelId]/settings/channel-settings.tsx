"use client";
/**
 * Channel settings: details, members, joining or leaving, archiving. Each
 * control is offered as the server allows it for me (channel admins and
 * workspace owners/admins manage; any member adds people), and the server's
 * answer is shown beside the control when it refuses.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ChannelMark } from "@/app/_components/channel-mark";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { channelName } from "@/app/_components/create-channel-dialog";
import { DataTable } from "@/app/_components/data-table";
import { Button, Field } from "@/app/_components/form";
import { PageFrame, Section, SkeletonRows } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { useWorkspace } from "@/app/_components/workspace-context";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { ChannelDetails } from "@/app/_lib/types";
import type { AppRouter } from "@/server/routers/_app";

type ChannelMember = inferRouterOutputs<AppRouter>["channel"]["members"][number];

export function ChannelSettings({
  channel: initialChannel,
  members: initialMembers,
}: {
  channel: ChannelDetails;
  members: ChannelMember[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const { workspace, me } = useWorkspace();
  const channelId = initialChannel.id;
  const { data: channel } = useQuery({
    ...trpc.channel.get.queryOptions({ channelId }),
    initialData: initialChannel,
  });
  const { data: members } = useQuery({
    ...trpc.channel.members.queryOptions({ channelId }),
    initialData: initialMembers,
  });

  const canManage =
    channel.role === "admin" || workspace.role === "owner" || workspace.role === "admin";
  const archived = channel.archivedAt !== null;
  const label = `#${channel.name}`;
  const channelHref = `/w/${workspace.id}/c/${channelId}`;

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.channel.get.queryFilter({ channelId })),
      queryClient.invalidateQueries(trpc.channel.members.queryFilter({ channelId })),
      queryClient.invalidateQueries(trpc.channel.list.queryFilter({ workspaceId: workspace.id })),
    ]);

  const [confirmingArchive, setConfirmingArchive] = useState(false);
  const archiveOptions = {
    onSuccess: () => {
      setConfirmingArchive(false);
      toast(archived ? `${label} is writable again.` : `${label} is archived.`, "info");
      return refresh();
    },
  };
  const archive = useMutation(trpc.channel.archive.mutationOptions(archiveOptions));
  const unarchive = useMutation(trpc.channel.unarchive.mutationOptions(archiveOptions));
  const archiving = archived ? unarchive : archive;

  const leave = useMutation(
    trpc.channel.leave.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(
          trpc.channel.list.queryFilter({ workspaceId: workspace.id }),
        );
        router.push(`/w/${workspace.id}`);
      },
    }),
  );
  const join = useMutation(trpc.channel.join.mutationOptions({ onSuccess: refresh }));

  return (
    <PageFrame
      title="Channel settings"
      subtitle={
        <>
          <ChannelMark isPrivate={channel.isPrivate} className="mr-0.5" />
          {channel.name}
          {channel.isPrivate ? " · Private" : " · Public"}
          {archived ? " · Archived" : ""}
        </>
      }
      actions={
        <Link
          href={channelHref}
          className="max-w-[45%] truncate rounded border border-border px-2 py-1 text-sm hover:bg-hover"
        >
          Back to {label}
        </Link>
      }
    >
      <Section
        id="details-heading"
        title="Details"
        description="The name people find the channel by, and the topic shown under it."
      >
        <DetailsForm
          key={`${channel.name}\n${channel.topic}`}
          channel={channel}
          note={
            !canManage
              ? `Only admins of ${label} and workspace owners and admins can change its details.`
              : archived
                ? `${label} is archived and read-only. Unarchive it below to change its details.`
                : undefined
          }
          onSaved={() => {
            toast("Channel details saved.", "info");
            return refresh();
          }}
        />
      </Section>

      <Section
        id="members-heading"
        title="Members"
        description={
          canManage
            ? `${members.length} ${members.length === 1 ? "person is" : "people are"} in ${label}.`
            : `${members.length} ${members.length === 1 ? "person is" : "people are"} in ${label}. Only admins of ${label} and workspace owners and admins can remove people.`
        }
      >
        <MemberList
          channelId={channelId}
          members={members}
          meId={me.id}
          canRemove={canManage}
          onChanged={refresh}
        />
        {channel.isMember ? (
          <AddPeople channelId={channelId} members={members} onAdded={refresh} />
        ) : (
          <p className="text-sm text-muted">Join {label} to add people to it.</p>
        )}
      </Section>

      {channel.isMember ? (
        <Section
          id="leave-heading"
          title="Leave channel"
          description={
            channel.isPrivate
              ? `${label} is private: once you leave, you can come back only if a member adds you.`
              : `You can join ${label} again at any time from Browse channels.`
          }
        >
          <div>
            <Button
              variant="secondary"
              onClick={() => leave.mutate({ channelId })}
              disabled={leave.isPending || leave.isSuccess}
            >
              {leave.isPending || leave.isSuccess ? "Leaving…" : "Leave channel"}
            </Button>
          </div>
          {leave.error ? (
            <p role="alert" className="text-sm text-danger">
              {describeError(leave.error).message}
            </p>
          ) : null}
        </Section>
      ) : (
        <Section
          id="join-heading"
          title="Join channel"
          description={`You are not a member of ${label}. Join to read and post.`}
        >
          <div>
            <Button onClick={() => join.mutate({ channelId })} disabled={join.isPending}>
              {join.isPending ? "Joining…" : "Join channel"}
            </Button>
          </div>
          {join.error ? (
            <p role="alert" className="text-sm text-danger">
              {describeError(join.error).message}
            </p>
          ) : null}
        </Section>
      )}

      {canManage ? (
        <Section
          id="archive-heading"
          title={archived ? "Unarchive channel" : "Archive channel"}
          description={
            archived
              ? `${label} is archived: people can read it, but nobody can post, edit, delete or react. Unarchive it to make it writable again.`
              : `Archiving makes ${label} read-only: people can still read it, but nobody can post, edit, delete or react until it is unarchived.`
          }
        >
          <div>
            <Button
              variant={archived ? "secondary" : "danger"}
              onClick={() => {
                archiving.reset();
                setConfirmingArchive(true);
              }}
            >
              {archived ? "Unarchive channel" : "Archive channel"}
            </Button>
          </div>
        </Section>
      ) : null}

      <ConfirmDialog
        open={confirmingArchive}
        onClose={() => setConfirmingArchive(false)}
        title={archived ? `Unarchive ${label}?` : `Archive ${label}?`}
        confirmLabel={archived ? "Unarchive" : "Archive"}
        pendingLabel={archived ? "Unarchiving…" : "Archiving…"}
        tone={archived ? "primary" : "danger"}
        pending={archiving.isPending}
        error={archiving.error ? describeError(archiving.error).message : undefined}
        onConfirm={() => archiving.mutate({ channelId })}
      >
        {archived ? (
          <p>Members will be able to post, edit, delete and react in {label} again.</p>
        ) : (
          <>
            <p>
              Archived channels are read-only: nobody can post, edit, delete or react, and the name
              and topic cannot be changed.
            </p>
            <p className="text-muted">
              Everyone can still read its history, and you can unarchive it at any time.
            </p>
          </>
        )}
      </ConfirmDialog>
    </PageFrame>
  );
}

function DetailsForm({
  channel,
  note,
  onSaved,
}: {
  channel: ChannelDetails;
  /** Why the details cannot be changed by me now; none when they can. */
  note?: string;
  onSaved: () => unknown;
}) {
  const trpc = useTRPC();
  const [name, setName] = useState(channel.name);
  const [topic, setTopic] = useState(channel.topic);
  const update = useMutation(trpc.channel.update.mutationOptions({ onSuccess: onSaved }));
  const error = update.error ? describeError(update.error) : undefined;
  const nameError = error?.fields.name?.[0]
    ? `Name ${error.fields.name[0]}.`
    : error?.code === "CONFLICT"
      ? error.message
      : undefined;
  const topicError = error?.fields.topic?.[0] ? `Topic ${error.fields.topic[0]}.` : undefined;
  const changed = name !== channel.name || topic !== channel.topic;
  const editable = note === undefined;
  return (
    <form
      className="flex flex-col gap-4"
      onSubmit={(event) => {
        event.preventDefault();
        if (!changed) return;
        update.mutate({
          channelId: channel.id,
          ...(name !== channel.name ? { name } : {}),
          ...(topic !== channel.topic ? { topic } : {}),
        });
      }}
    >
      {note ? (
        <p id="details-note" className="rounded-md border border-border bg-panel px-3 py-2 text-sm">
          {note}
        </p>
      ) : null}
      <fieldset
        disabled={!editable}
        aria-describedby={note ? "details-note" : undefined}
        className="flex flex-col gap-4"
      >
        <legend className="sr-only">Channel details</legend>
        <Field
          label="Channel name"
          name="settings-channel-name"
          value={name}
          onChange={(event) => setName(channelName(event.target.value))}
          hint="Lowercase letters, digits, - and _."
          error={nameError}
          required
          maxLength={80}
        />
        <Field
          label="Topic"
          name="settings-channel-topic"
          value={topic}
          onChange={(event) => setTopic(event.target.value)}
          hint="Optional; shown under the channel's name."
          error={topicError}
          maxLength={250}
        />
      </fieldset>
      {error && !nameError && !topicError ? (
        <p role="alert" className="text-sm text-danger">
          {error.message}
        </p>
      ) : null}
      <div className="flex items-center gap-3">
        <Button
          type="submit"
          disabled={!editable || !changed || name.length === 0 || update.isPending}
        >
          {update.isPending ? "Saving…" : "Save"}
        </Button>
        {editable && !changed ? <span className="text-sm text-muted">No changes.</span> : null}
      </div>
    </form>
  );
}

function MemberList({
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
  const remove = useMutation(
    trpc.channel.removeMember.mutationOptions({
      onSuccess: (_result, { userId }) => {
        const name = members.find((member) => member.userId === userId)?.name ?? "They";
        toast(`${name} was removed from the channel.`, "info");
        return onChanged();
      },
      onError: (error) => toast(`Could not remove them: ${describeError(error).message}`),
    }),
  );
  if (members.length === 0) return <p className="text-sm text-muted">Nobody is in it.</p>;
  return (
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
                    onClick={() => remove.mutate({ channelId, userId: member.userId })}
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
  );
}

function AddPeople({
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
