"use client";
/**
 * Workspace settings: invite links, email invitations, members and their
 * roles, leaving. Any member may create an invite link; owners and admins see
 * and revoke links, invite people by email, change roles and remove people
 * (only owners touch owners). The server has the last word, and its refusals
 * are shown where they happened.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { CopyField } from "@/app/_components/copy-field";
import { DataTable } from "@/app/_components/data-table";
import { Button, Field } from "@/app/_components/form";
import { LocalTime } from "@/app/_components/local-time";
import { PageFrame, Section, SkeletonRows } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { useWorkspace } from "@/app/_components/workspace-context";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";
import { EmailInvitations } from "./email-invitations";

type Outputs = inferRouterOutputs<AppRouter>;
type Member = Outputs["workspace"]["members"][number];
type Invite = Outputs["workspace"]["listInvites"][number];
type Invitation = Outputs["workspace"]["listInvitations"][number];
type Role = Member["role"];

const roleLabel: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };

const expiryChoices = [
  { hours: 24, label: "1 day" },
  { hours: 168, label: "7 days" },
  { hours: 720, label: "30 days" },
] as const;

export function WorkspaceSettings({
  members: initialMembers,
  invites: initialInvites,
  invitations: initialInvitations,
}: {
  members: Member[];
  /** Null unless I am an owner or admin. */
  invites: Invite[] | null;
  /** Null unless I am an owner or admin. */
  invitations: Invitation[] | null;
}) {
  const { workspace } = useWorkspace();
  const isAdmin = workspace.role === "owner" || workspace.role === "admin";
  return (
    <PageFrame title="Workspace settings" subtitle={workspace.name}>
      <Section
        id="invite-heading"
        title="Invite people"
        description="Anyone with an invite link can join as a member until it expires or is used up."
      >
        <InviteForm />
        {isAdmin ? <InviteList initialInvites={initialInvites} /> : null}
      </Section>
      {isAdmin ? (
        <Section
          id="email-invitations-heading"
          title="Email invitations"
          description="Invite people by their email address: they join as members when they accept."
        >
          <EmailInvitations initialInvitations={initialInvitations ?? []} />
        </Section>
      ) : null}
      <Section
        id="members-heading"
        title="Members"
        description={
          workspace.role === "owner"
            ? "As an owner you can change anyone's role and remove anyone. A workspace always keeps at least one owner."
            : workspace.role === "admin"
              ? "As an admin you can make people members or admins and remove them; only owners can make, change or remove owners."
              : "Everyone in the workspace. Owners and admins manage roles."
        }
      >
        <MemberTable initialMembers={initialMembers} />
      </Section>
      <LeaveWorkspace />
    </PageFrame>
  );
}

function InviteForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { workspace } = useWorkspace();
  const [hours, setHours] = useState<number>(168);
  const [maxUses, setMaxUses] = useState("");
  const [link, setLink] = useState<{ url: string; expiresAt: string; maxUses: number | null }>();
  const create = useMutation(
    trpc.workspace.createInvite.mutationOptions({
      onSuccess: (invite) => {
        setLink({
          url: `${window.location.origin}/invite/${invite.code}`,
          expiresAt: invite.expiresAt,
          maxUses: invite.maxUses,
        });
        return queryClient.invalidateQueries(
          trpc.workspace.listInvites.queryFilter({ workspaceId: workspace.id }),
        );
      },
    }),
  );
  const error = create.error ? describeError(create.error) : undefined;
  const expiryError = error?.fields.expiresInHours?.[0];
  const usesError = error?.fields.maxUses?.[0];
  return (
    <div className="flex flex-col gap-4">
      <form
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({
            workspaceId: workspace.id,
            expiresInHours: hours,
            maxUses: maxUses.trim() === "" ? null : Number(maxUses),
          });
        }}
      >
        <div className="flex flex-wrap gap-4">
          <div className="flex min-w-40 flex-1 flex-col gap-1">
            <label htmlFor="invite-expiry" className="text-sm font-medium">
              Link expires after
            </label>
            <select
              id="invite-expiry"
              value={hours}
              onChange={(event) => setHours(Number(event.target.value))}
              aria-invalid={expiryError ? true : undefined}
              aria-describedby={expiryError ? "invite-expiry-error" : undefined}
              className={`rounded-md border bg-bg px-3 py-2 text-fg ${expiryError ? "border-danger" : "border-border"}`}
            >
              {expiryChoices.map((choice) => (
                <option key={choice.hours} value={choice.hours}>
                  {choice.label}
                </option>
              ))}
            </select>
            {expiryError ? (
              <p id="invite-expiry-error" className="text-sm text-danger">
                Expiry {expiryError}.
              </p>
            ) : null}
          </div>
          <div className="min-w-40 flex-1">
            <Field
              label="Maximum uses"
              name="invite-max-uses"
              type="number"
              inputMode="numeric"
              min={1}
              max={10000}
              step={1}
              value={maxUses}
              onChange={(event) => setMaxUses(event.target.value)}
              hint="Optional; leave empty for no limit."
              error={usesError ? `Maximum uses ${usesError}.` : undefined}
            />
          </div>
        </div>
        {error && !expiryError && !usesError ? (
          <p role="alert" className="text-sm text-danger">
            {error.message}
          </p>
        ) : null}
        <div>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create invite link"}
          </Button>
        </div>
      </form>
      {link ? (
        <div className="flex flex-col gap-1 rounded-md border border-border bg-panel p-3">
          <CopyField
            label="Invite link"
            name="invite-link"
            value={link.url}
            copyLabel="Copy link"
            copied="Invite link copied."
          />
          <p className="text-xs text-muted">
            Expires <LocalTime iso={link.expiresAt} />;{" "}
            {link.maxUses === null
              ? "no limit on uses."
              : `works for ${link.maxUses} ${link.maxUses === 1 ? "person" : "people"}.`}
          </p>
        </div>
      ) : null}
    </div>
  );
}

function inviteStatus(invite: Invite) {
  if (invite.revokedAt) return "Revoked";
  if (new Date(invite.expiresAt).getTime() <= Date.now()) return "Expired";
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return "Used up";
  return "Active";
}

function InviteList({ initialInvites }: { initialInvites: Invite[] | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const { workspace } = useWorkspace();
  const invites = useQuery({
    ...trpc.workspace.listInvites.queryOptions({ workspaceId: workspace.id }),
    initialData: initialInvites ?? undefined,
  });
  const revoke = useMutation(
    trpc.workspace.revokeInvite.mutationOptions({
      onSuccess: () => {
        toast("Invite revoked: the link no longer works.", "info");
        return queryClient.invalidateQueries(
          trpc.workspace.listInvites.queryFilter({ workspaceId: workspace.id }),
        );
      },
      onError: (error) => toast(`Could not revoke the invite: ${describeError(error).message}`),
    }),
  );
  return (
    <div className="flex flex-col gap-2">
      <h3 className="text-sm font-semibold">Invite links</h3>
      {invites.isPending ? (
        <SkeletonRows label="Loading invites" />
      ) : invites.isError ? (
        <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-danger">
          <span>Could not load the invites: {describeError(invites.error).message}</span>
          <Button variant="secondary" className="py-1" onClick={() => invites.refetch()}>
            Try again
          </Button>
        </div>
      ) : invites.data.length === 0 ? (
        <p className="text-sm text-muted">No invite links yet.</p>
      ) : (
        <DataTable
          columns={[
            { label: "Code" },
            { label: "Created by" },
            { label: "Expires" },
            { label: "Uses" },
            { label: "Status" },
            { label: "Actions", visuallyHidden: true },
          ]}
        >
          {invites.data.map((invite) => {
            const status = inviteStatus(invite);
            const revoking = revoke.isPending && revoke.variables?.inviteId === invite.id;
            return (
              <tr key={invite.id} className="border-t border-border">
                <th scope="row" className="px-3 py-2 font-mono font-normal">
                  {invite.code}
                </th>
                <td className="px-3 py-2">{invite.createdBy?.name ?? "Someone who left"}</td>
                <td className="px-3 py-2 whitespace-nowrap">
                  <LocalTime iso={invite.expiresAt} />
                </td>
                <td className="px-3 py-2 whitespace-nowrap">
                  {invite.uses} / {invite.maxUses ?? "no limit"}
                </td>
                <td className={`px-3 py-2 ${status === "Active" ? "" : "text-muted"}`}>{status}</td>
                <td className="px-3 py-2 text-right">
                  {invite.revokedAt ? null : (
                    <Button
                      variant="secondary"
                      className="py-1"
                      aria-label={`Revoke invite ${invite.code}`}
                      disabled={revoking}
                      onClick={() =>
                        revoke.mutate({ workspaceId: workspace.id, inviteId: invite.id })
                      }
                    >
                      {revoking ? "Revoking…" : "Revoke"}
                    </Button>
                  )}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}

function MemberTable({ initialMembers }: { initialMembers: Member[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const { workspace, me } = useWorkspace();
  const myRole = workspace.role;
  const isAdmin = myRole === "owner" || myRole === "admin";
  const { data: members } = useQuery({
    ...trpc.workspace.members.queryOptions({ workspaceId: workspace.id }),
    initialData: initialMembers,
  });
  const nameOf = (userId: string) =>
    members.find((member) => member.userId === userId)?.name ?? "This person";
  const refresh = () =>
    queryClient.invalidateQueries(
      trpc.workspace.members.queryFilter({ workspaceId: workspace.id }),
    );

  const [roleError, setRoleError] = useState<string>();
  const setRole = useMutation(
    trpc.workspace.setRole.mutationOptions({
      onMutate: () => setRoleError(undefined),
      onSuccess: ({ userId, role }) => {
        toast(`${nameOf(userId)} is now ${role === "admin" ? "an admin" : `a ${role}`}.`, "info");
        // My own role shapes the whole workspace (what the sidebar and pages offer).
        if (userId === me.id) router.refresh();
        return refresh();
      },
      onError: (error, { userId }) =>
        setRoleError(`Could not change ${nameOf(userId)}'s role: ${describeError(error).message}`),
    }),
  );

  const [removing, setRemoving] = useState<Member | null>(null);
  const remove = useMutation(
    trpc.workspace.removeMember.mutationOptions({
      onSuccess: ({ userId }) => {
        toast(`${nameOf(userId)} was removed from ${workspace.name}.`, "info");
        setRemoving(null);
        return refresh();
      },
    }),
  );

  return (
    <>
      {roleError ? (
        <p role="alert" className="text-sm text-danger">
          {roleError}
        </p>
      ) : null}
      <DataTable
        columns={[
          { label: "Name" },
          { label: "Email", className: "hidden sm:table-cell" },
          { label: "Role" },
          isAdmin && { label: "Actions", visuallyHidden: true },
        ]}
      >
        {members.map((member) => {
          const isMe = member.userId === me.id;
          // Admins may not touch owners; owners may touch anyone.
          const mayManage = isAdmin && (myRole === "owner" || member.role !== "owner");
          const pendingRole =
            setRole.isPending && setRole.variables?.userId === member.userId
              ? setRole.variables.role
              : undefined;
          return (
            <tr key={member.userId} className="border-t border-border">
              <th scope="row" className="px-3 py-2 font-normal">
                <span className="font-medium">{member.name}</span>
                {isMe ? <span className="text-muted"> (you)</span> : null}
                <span className="block break-all text-muted sm:hidden">{member.email}</span>
              </th>
              <td className="hidden px-3 py-2 break-all sm:table-cell">{member.email}</td>
              <td className="px-3 py-2">
                {isAdmin ? (
                  <select
                    aria-label={`Role for ${member.name}`}
                    value={pendingRole ?? member.role}
                    disabled={!mayManage || pendingRole !== undefined}
                    title={mayManage ? undefined : "Only owners can change an owner's role."}
                    onChange={(event) =>
                      setRole.mutate({
                        workspaceId: workspace.id,
                        userId: member.userId,
                        role: event.target.value as Role,
                      })
                    }
                    className="rounded-md border border-border bg-bg px-2 py-1 text-fg disabled:opacity-60"
                  >
                    <option value="member">Member</option>
                    <option value="admin">Admin</option>
                    <option value="owner" disabled={myRole !== "owner"}>
                      Owner
                    </option>
                  </select>
                ) : (
                  roleLabel[member.role]
                )}
              </td>
              {isAdmin ? (
                <td className="px-3 py-2 text-right">
                  {mayManage && !isMe ? (
                    <Button
                      variant="secondary"
                      className="py-1"
                      aria-label={`Remove ${member.name}`}
                      onClick={() => {
                        remove.reset();
                        setRemoving(member);
                      }}
                    >
                      Remove
                    </Button>
                  ) : null}
                </td>
              ) : null}
            </tr>
          );
        })}
      </DataTable>
      <ConfirmDialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        title={`Remove ${removing?.name ?? ""} from ${workspace.name}?`}
        confirmLabel="Remove"
        pendingLabel="Removing…"
        pending={remove.isPending}
        error={remove.error ? describeError(remove.error).message : undefined}
        onConfirm={() => {
          if (removing) remove.mutate({ workspaceId: workspace.id, userId: removing.userId });
        }}
      >
        <p>
          They lose access to all of {workspace.name}'s channels and conversations at once, and they
          are signed out of its live updates.
        </p>
        <p className="text-muted">They can come back only with a new invite link or invitation.</p>
      </ConfirmDialog>
    </>
  );
}

function LeaveWorkspace() {
  const trpc = useTRPC();
  const router = useRouter();
  const { workspace } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const leave = useMutation(
    trpc.workspace.leave.mutationOptions({ onSuccess: () => router.push("/") }),
  );
  return (
    <Section
      id="leave-heading"
      title="Leave workspace"
      description={`You lose access to ${workspace.name}'s channels and conversations. To come back you need a new invite.`}
    >
      <div>
        <Button
          variant="danger"
          onClick={() => {
            leave.reset();
            setConfirming(true);
          }}
        >
          Leave workspace
        </Button>
      </div>
      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Leave ${workspace.name}?`}
        confirmLabel="Leave"
        pendingLabel="Leaving…"
        pending={leave.isPending || leave.isSuccess}
        error={leave.error ? describeError(leave.error).message : undefined}
        onConfirm={() => leave.mutate({ workspaceId: workspace.id })}
      >
        <p>
          You will leave {workspace.name} and all of its channels. Your messages stay, but you will
          no longer see anything in it.
        </p>
        {workspace.role === "owner" ? (
          <p className="text-muted">
            If you are its only owner, make someone else owner first: a workspace always needs one.
          </p>
        ) : null}
      </ConfirmDialog>
    </Section>
  );
}
