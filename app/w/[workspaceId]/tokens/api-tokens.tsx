"use client";
/**
 * Personal API tokens: create one (shown once, then only its prefix), see
 * when each was last used, revoke the ones no longer needed.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { CopyField } from "@/app/_components/copy-field";
import { DataTable } from "@/app/_components/data-table";
import { Button, Field } from "@/app/_components/form";
import { LocalTime } from "@/app/_components/local-time";
import { PageFrame, Section } from "@/app/_components/page-frame";
import { useToast } from "@/app/_components/toast";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";

type Token = inferRouterOutputs<AppRouter>["token"]["list"][number];

export function ApiTokens({ tokens: initialTokens }: { tokens: Token[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const { data: tokens } = useQuery({
    ...trpc.token.list.queryOptions(),
    initialData: initialTokens,
  });
  const refresh = () => queryClient.invalidateQueries(trpc.token.list.queryFilter());

  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useMutation(
    trpc.token.create.mutationOptions({
      onSuccess: ({ token }, input) => {
        setCreated({ name: input.name.trim(), token });
        setName("");
        return refresh();
      },
    }),
  );
  const createError = create.error ? describeError(create.error) : undefined;
  const nameError = createError?.fields.name?.[0]
    ? `Name ${createError.fields.name[0]}.`
    : undefined;

  const [revoking, setRevoking] = useState<Token | null>(null);
  const revoke = useMutation(
    trpc.token.revoke.mutationOptions({
      onSuccess: (_result, { tokenId }) => {
        const revoked = tokens.find((token) => token.id === tokenId);
        toast(
          `Token “${revoked?.name ?? ""}” revoked: requests with it are refused from now on.`,
          "info",
        );
        setRevoking(null);
        return refresh();
      },
    }),
  );

  return (
    <PageFrame title="API tokens" subtitle="Personal tokens for scripts, bots and integrations">
      <Section
        id="create-token-heading"
        title="Create a token"
        description="A token acts as you, with everything you can do in every workspace you belong to. Give each script its own, so you can revoke one without breaking the others."
      >
        <form
          className="flex flex-col gap-3"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate({ name });
          }}
        >
          <Field
            label="Token name"
            name="token-name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="deploy bot"
            hint="A label for you, e.g. what will use it."
            error={nameError}
            required
            maxLength={80}
            autoComplete="off"
          />
          {createError && !nameError ? (
            <p role="alert" className="text-sm text-danger">
              {createError.message}
            </p>
          ) : null}
          <div>
            <Button type="submit" disabled={create.isPending || name.trim() === ""}>
              {create.isPending ? "Creating…" : "Create token"}
            </Button>
          </div>
        </form>
        {created ? (
          <div className="flex flex-col gap-3 rounded-md border border-accent bg-panel p-3">
            <CopyField
              label="New token"
              name="new-token"
              value={created.token}
              copyLabel="Copy token"
              copied="Token copied."
              hint={`For “${created.name}”.`}
            />
            <p className="text-sm font-medium">
              Copy it now: this is the only time it is shown. Sequent keeps only a hash of it; if
              you lose it, revoke it and create another.
            </p>
            <div>
              <Button variant="secondary" onClick={() => setCreated(null)}>
                Done
              </Button>
            </div>
          </div>
        ) : null}
      </Section>

      <Section
        id="tokens-heading"
        title="Your tokens"
        description="Newest first. Tokens do not expire; revoke the ones you no longer use."
      >
        {tokens.length === 0 ? (
          <p className="text-sm text-muted">You have no tokens yet.</p>
        ) : (
          <DataTable
            columns={[
              { label: "Name" },
              { label: "Token" },
              { label: "Created" },
              { label: "Last used" },
              { label: "Status" },
              { label: "Actions", visuallyHidden: true },
            ]}
          >
            {tokens.map((token) => (
              <tr key={token.id} className="border-t border-border">
                <th scope="row" className="px-3 py-2 font-medium break-words">
                  {token.name}
                </th>
                <td className="px-3 py-2 font-mono whitespace-nowrap">{token.prefix}…</td>
                <td className="px-3 py-2 whitespace-nowrap">
                  <LocalTime iso={token.createdAt} />
                </td>
                <td className="px-3 py-2 whitespace-nowrap">
                  {token.lastUsedAt ? <LocalTime iso={token.lastUsedAt} /> : "Never"}
                </td>
                <td className="px-3 py-2 whitespace-nowrap">
                  {token.revokedAt ? (
                    <span className="text-muted">
                      Revoked <LocalTime iso={token.revokedAt} />
                    </span>
                  ) : (
                    "Active"
                  )}
                </td>
                <td className="px-3 py-2 text-right">
                  {token.revokedAt ? null : (
                    <Button
                      variant="secondary"
                      className="py-1"
                      aria-label={`Revoke ${token.name}`}
                      onClick={() => {
                        revoke.reset();
                        setRevoking(token);
                      }}
                    >
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Section>

      <Section id="usage-heading" title="Using a token">
        <p className="text-sm">
          Send it in the <code className="md-code">Authorization</code> header of every request to
          the tRPC API:
        </p>
        <pre className="md-pre">Authorization: Bearer &lt;token&gt;</pre>
        <p className="text-sm">For example, to see who the token acts as:</p>
        <pre className="md-pre">
          {'curl -H "Authorization: Bearer <token>" https://<your-sequent>/api/trpc/user.me'}
        </pre>
        <p className="text-sm text-muted">
          The procedures and what they accept are described in the API reference in the repository
          (docs/api.md).
        </p>
      </Section>

      <ConfirmDialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke token"
        pendingLabel="Revoking…"
        pending={revoke.isPending}
        error={revoke.error ? describeError(revoke.error).message : undefined}
        onConfirm={() => {
          if (revoking) revoke.mutate({ tokenId: revoking.id });
        }}
      >
        <p>
          Every script or integration using it is refused from its next request on. This cannot be
          undone; create a new token if you need one again.
        </p>
      </ConfirmDialog>
    </PageFrame>
  );
}
