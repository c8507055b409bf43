"use client";
/**
 * The email invitations waiting for me (workspace.myInvitations): accept one
 * to join that workspace and go there, or decline it. Shown where someone
 * without a workspace lands, and to anyone who opens the welcome page.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/app/_components/form";
import { LocalTime } from "@/app/_components/local-time";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";

type Invitation = inferRouterOutputs<AppRouter>["workspace"]["myInvitations"][number];

export function MyInvitations({ initialInvitations }: { initialInvitations: Invitation[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState("");
  const { data: invitations } = useQuery({
    ...trpc.workspace.myInvitations.queryOptions(),
    initialData: initialInvitations,
  });
  const refresh = () => queryClient.invalidateQueries(trpc.workspace.myInvitations.queryFilter());
  const nameOf = (invitationId: string) =>
    invitations.find((invitation) => invitation.id === invitationId)?.workspaceName ??
    "the workspace";

  const accept = useMutation(
    trpc.workspace.acceptInvitation.mutationOptions({
      onMutate: () => setNotice(""),
      onSuccess: ({ workspaceId }, { invitationId }) => {
        setNotice(`You joined ${nameOf(invitationId)}. Opening it…`);
        router.push(`/w/${workspaceId}`);
      },
      // A settled or expired invitation is gone: show the list as it is now.
      onError: () => refresh(),
    }),
  );
  const decline = useMutation(
    trpc.workspace.declineInvitation.mutationOptions({
      onMutate: () => setNotice(""),
      onSuccess: (_result, { invitationId }) => {
        setNotice(`You declined the invitation to ${nameOf(invitationId)}.`);
        return refresh();
      },
      onError: () => refresh(),
    }),
  );
  const failure = accept.error ?? decline.error;
  const busy = accept.isPending || accept.isSuccess || decline.isPending;

  if (invitations.length === 0 && !notice && !failure) return null;
  return (
    <section aria-labelledby="invitations-heading" className="flex flex-col gap-3">
      <h2 id="invitations-heading" className="font-semibold">
        Invitations
      </h2>
      {invitations.length > 0 ? (
        <ul className="flex flex-col gap-2">
          {invitations.map((invitation) => (
            <li
              key={invitation.id}
              className="flex flex-col gap-3 rounded-md border border-border bg-panel p-3 sm:flex-row sm:items-center"
            >
              <div className="min-w-0 flex-1">
                <p className="font-medium break-words">{invitation.workspaceName}</p>
                <p className="text-sm text-muted">
                  {invitation.invitedBy
                    ? `${invitation.invitedBy.name} invited you. `
                    : "You were invited. "}
                  Open until <LocalTime iso={invitation.expiresAt} />.
                </p>
              </div>
              <div className="flex shrink-0 gap-2">
                <Button
                  aria-label={`Accept invitation to ${invitation.workspaceName}`}
                  disabled={busy}
                  onClick={() => accept.mutate({ invitationId: invitation.id })}
                >
                  {accept.variables?.invitationId === invitation.id && !accept.isError
                    ? "Joining…"
                    : "Accept"}
                </Button>
                <Button
                  variant="secondary"
                  aria-label={`Decline invitation to ${invitation.workspaceName}`}
                  disabled={busy}
                  onClick={() => decline.mutate({ invitationId: invitation.id })}
                >
                  Decline
                </Button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {failure ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(failure).message}
        </p>
      ) : null}
      <p role="status" className="text-sm">
        {notice}
      </p>
    </section>
  );
}
