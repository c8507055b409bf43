"use client";
import { useMutation } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button, Field } from "@/app/_components/form";
import { placePath } from "@/app/_lib/links";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { WorkspaceSummary } from "@/app/_lib/types";
import type { AppRouter } from "@/server/routers/_app";
import { MyInvitations } from "./invitations";

type Invitation = inferRouterOutputs<AppRouter>["workspace"]["myInvitations"][number];

/** The invite code from a pasted link (…/invite/CODE) or a bare code. */
function inviteCode(text: string) {
  const trimmed = text.trim();
  const match = /\/invite\/([A-Za-z0-9]+)/.exec(trimmed);
  return match?.[1] ?? trimmed;
}

export function Welcome({
  workspaces,
  invitations,
}: {
  workspaces: WorkspaceSummary[];
  invitations: Invitation[];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState("");
  const [invite, setInvite] = useState("");
  const create = useMutation(
    trpc.workspace.create.mutationOptions({
      onSuccess: (workspace) =>
        router.push(placePath(workspace.id, { channelId: workspace.generalChannelId })),
    }),
  );
  const createError = create.error ? describeError(create.error) : undefined;
  return (
    <div className="mt-6 flex flex-col gap-8">
      <MyInvitations initialInvitations={invitations} />
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name });
        }}
      >
        <h2 className="font-semibold">Create a workspace</h2>
        <Field
          label="Workspace name"
          name="workspace-name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={80}
          placeholder="Acme Inc."
          error={createError?.fields.name?.[0] ?? createError?.message}
        />
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create workspace"}
        </Button>
      </form>
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          const code = inviteCode(invite);
          if (code) router.push(`/invite/${encodeURIComponent(code)}`);
        }}
      >
        <h2 className="font-semibold">Join with an invite</h2>
        <Field
          label="Invite link or code"
          name="invite"
          value={invite}
          onChange={(event) => setInvite(event.target.value)}
          placeholder="https://…/invite/…"
        />
        <Button type="submit" variant="secondary">
          Continue
        </Button>
      </form>
      {workspaces.length > 0 ? (
        <nav aria-label="Your workspaces">
          <h2 className="mb-2 font-semibold">Your workspaces</h2>
          <ul className="flex flex-col gap-1">
            {workspaces.map((workspace) => (
              <li key={workspace.id}>
                <Link className="text-accent underline" href={`/w/${workspace.id}`}>
                  {workspace.name}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
    </div>
  );
}
