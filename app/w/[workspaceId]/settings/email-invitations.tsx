"use client";
/**
 * Email invitations, for owners and admins: invite several addresses at
 * once (one `workspace.addMember` per address, one result line each), and
 * the open invitations with Revoke. Sequent sends no email: an invitation
 * waits for the person to sign in (or sign up) with that address, and shows
 * on their welcome page until they accept or decline it, or it expires.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useId, useState } from "react";
import { DataTable } from "@/app/_components/data-table";
import { errorsByField } from "@/app/_components/field-errors";
import { Button } from "@/app/_components/form";
import { LocalTime } from "@/app/_components/local-time";
import { SkeletonRows } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { useWorkspace } from "@/app/_components/workspace-context";
import { describeError, useTRPC, useTRPCClient } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";

type Invitation = inferRouterOutputs<AppRouter>["workspace"]["listInvitations"][number];

/** At most this many addresses per submission; the server also limits invitations per hour. */
const MAX_ADDRESSES = 50;

/** The addresses in what was typed: split at commas, semicolons, spaces and line breaks; each once. */
function addressesIn(text: string): string[] {
  const seen = new Set<string>();
  return text
    .split(/[\s,;]+/)
    .map((address) => address.replace(/^<|>$/g, ""))
    .filter((address) => {
      const key = address.toLowerCase();
      if (!address || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

// A first check that spares obvious typos a round trip; the server's check is the one that counts.
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Result {
  address: string;
  ok: boolean;
  text: string;
}

export function EmailInvitations({ initialInvitations }: { initialInvitations: Invitation[] }) {
  return (
    <div className="flex flex-col gap-6">
      <InviteByEmailForm />
      <PendingInvitations initialInvitations={initialInvitations} />
    </div>
  );
}

function InviteByEmailForm() {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { workspace } = useWorkspace();
  const id = useId();
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string>();
  const [results, setResults] = useState<Result[]>([]);
  const [sending, setSending] = useState(false);

  async function send() {
    const addresses = addressesIn(text);
    if (addresses.length === 0) {
      setProblem("Enter at least one email address.");
      return;
    }
    if (addresses.length > MAX_ADDRESSES) {
      setProblem(
        `Enter at most ${MAX_ADDRESSES} addresses at a time (you entered ${addresses.length}).`,
      );
      return;
    }
    setProblem(undefined);
    setSending(true);
    const done: Result[] = [];
    setResults([]);
    // One at a time, in the order typed: each line appears as its answer comes.
    for (const address of addresses) {
      let result: Result;
      if (!LOOKS_LIKE_EMAIL.test(address)) {
        result = { address, ok: false, text: "Not sent: this is not a valid email address." };
      } else {
        try {
          const sent = await client.workspace.addMember.mutate({
            workspaceId: workspace.id,
            email: address,
          });
          result = {
            address: sent.email,
            ok: true,
            text: `Invited; the invitation is open until ${new Date(sent.expiresAt).toLocaleDateString()}.`,
          };
        } catch (error) {
          const { fields, message } = errorsByField(error, { email: "The address" });
          result = { address, ok: false, text: `Not sent: ${fields.email ?? message}` };
        }
      }
      done.push(result);
      setResults([...done]);
    }
    setSending(false);
    // Keep only what failed, to correct and send again.
    setText(
      done
        .filter((result) => !result.ok)
        .map((result) => result.address)
        .join("\n"),
    );
    await queryClient.invalidateQueries(
      trpc.workspace.listInvitations.queryFilter({ workspaceId: workspace.id }),
    );
  }

  const sent = results.filter((result) => result.ok).length;
  const failed = results.length - sent;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <form
      className="flex flex-col gap-3"
      aria-labelledby={`${id}-heading`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (!sending) void send();
      }}
    >
      <h3 id={`${id}-heading`} className="text-sm font-semibold">
        Invite by email
      </h3>
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-addresses`} className="text-sm font-medium">
          Email addresses
        </label>
        <textarea
          id={`${id}-addresses`}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setProblem(undefined);
          }}
          rows={3}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? errorId : hintId}
          placeholder={"ada@example.com, grace@example.com"}
          className={`rounded-md border bg-bg px-3 py-2 text-fg ${problem ? "border-danger" : "border-border"}`}
        />
        {problem ? (
          <p id={errorId} className="text-sm text-danger">
            {problem}
          </p>
        ) : (
          <p id={hintId} className="text-xs text-muted">
            Separate addresses with commas, spaces or new lines. No email is sent: tell each person
            to sign in or sign up with that address, and they will find the invitation on their
            welcome page. They join as members when they accept it; it stays open for 14 days.
          </p>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={sending || text.trim() === ""}>
          {sending ? "Inviting…" : "Send invitations"}
        </Button>
        <p role="status" className="text-sm">
          {sending
            ? `Inviting ${results.length + 1} of ${addressesIn(text).length}…`
            : results.length > 0
              ? `${sent} ${sent === 1 ? "invitation" : "invitations"} created${failed > 0 ? `, ${failed} not sent` : ""}.`
              : ""}
        </p>
      </div>
      {results.length > 0 ? (
        <ul aria-label="Invitation results" className="flex flex-col gap-1 text-sm">
          {results.map((result) => (
            <li key={result.address} className="grid grid-cols-[auto_1fr] gap-x-2">
              <span aria-hidden="true" className={result.ok ? "text-accent" : "text-danger"}>
                {result.ok ? "✓" : "✗"}
              </span>
              <span className="flex min-w-0 flex-wrap gap-x-2">
                <span className="font-medium [overflow-wrap:anywhere]">{result.address}</span>
                <span className={result.ok ? "text-muted" : "text-danger"}>{result.text}</span>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}

function PendingInvitations({ initialInvitations }: { initialInvitations: Invitation[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const { workspace } = useWorkspace();
  const invitations = useQuery({
    ...trpc.workspace.listInvitations.queryOptions({ workspaceId: workspace.id }),
    initialData: initialInvitations,
  });
  const revoke = useMutation(
    trpc.workspace.revokeInvitation.mutationOptions({
      onSuccess: (_result, { invitationId }) => {
        const email = invitations.data?.find((item) => item.id === invitationId)?.email;
        toast(
          `Invitation for ${email ?? "that address"} revoked: it can no longer be accepted.`,
          "info",
        );
        return queryClient.invalidateQueries(
          trpc.workspace.listInvitations.queryFilter({ workspaceId: workspace.id }),
        );
      },
      onError: (error) => toast(`Could not revoke the invitation: ${describeError(error).message}`),
    }),
  );
  return (
    <div className="flex flex-col gap-2">
      <h3 className="text-sm font-semibold">Pending invitations</h3>
      {invitations.isPending ? (
        <SkeletonRows label="Loading invitations" />
      ) : invitations.isError ? (
        <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-danger">
          <span>Could not load the invitations: {describeError(invitations.error).message}</span>
          <Button variant="secondary" className="py-1" onClick={() => invitations.refetch()}>
            Try again
          </Button>
        </div>
      ) : invitations.data.length === 0 ? (
        <p className="text-sm text-muted">No pending invitations.</p>
      ) : (
        <DataTable
          columns={[
            { label: "Email" },
            { label: "Invited by", className: "hidden sm:table-cell" },
            { label: "Open until" },
            { label: "Actions", visuallyHidden: true },
          ]}
        >
          {invitations.data.map((invitation) => {
            const revoking = revoke.isPending && revoke.variables?.invitationId === invitation.id;
            return (
              <tr key={invitation.id} className="border-t border-border">
                <th scope="row" className="px-3 py-2 font-medium [overflow-wrap:anywhere]">
                  {invitation.email}
                </th>
                <td className="hidden px-3 py-2 sm:table-cell">
                  {invitation.invitedBy?.name ?? "Someone who left"}
                </td>
                <td className="px-3 py-2">
                  <LocalTime iso={invitation.expiresAt} />
                </td>
                <td className="px-3 py-2 text-right">
                  <Button
                    variant="secondary"
                    className="py-1"
                    aria-label={`Revoke invitation for ${invitation.email}`}
                    disabled={revoking}
                    onClick={() =>
                      revoke.mutate({ workspaceId: workspace.id, invitationId: invitation.id })
                    }
                  >
                    {revoking ? "Revoking…" : "Revoke"}
                  </Button>
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}
