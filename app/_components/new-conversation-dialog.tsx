"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { placePath } from "@/app/_lib/links";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import { Dialog } from "./dialog";
import { Button } from "./form";
import { useWorkspace } from "./workspace-context";

export function NewConversationDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { workspace, me } = useWorkspace();
  const [filter, setFilter] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const members = useQuery({
    ...trpc.workspace.members.queryOptions({ workspaceId: workspace.id }),
    enabled: open,
  });
  const start = useMutation(
    trpc.conversation.open.mutationOptions({
      onSuccess: ({ id }) => {
        close();
        router.push(placePath(workspace.id, { conversationId: id }));
      },
    }),
  );
  const close = () => {
    setFilter("");
    setChosen([]);
    start.reset();
    onClose();
  };
  const people = (members.data ?? [])
    .filter((member) => member.userId !== me.id)
    .filter((member) =>
      `${member.name} ${member.email}`.toLowerCase().includes(filter.trim().toLowerCase()),
    );
  return (
    <Dialog open={open} onClose={close} title="New message">
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (chosen.length > 0) start.mutate({ workspaceId: workspace.id, userIds: chosen });
        }}
      >
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium">Find people</span>
          <input
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
            className="rounded-md border border-border bg-bg px-3 py-2"
            autoFocus
          />
        </label>
        <fieldset className="max-h-64 overflow-y-auto rounded-md border border-border p-2">
          <legend className="px-1 text-sm font-medium">People (up to 9)</legend>
          {members.isPending ? <p className="p-2 text-sm text-muted">Loading people…</p> : null}
          {!members.isPending && people.length === 0 ? (
            <p className="p-2 text-sm text-muted">
              Nobody else matches. Invite people from workspace settings.
            </p>
          ) : null}
          {people.map((member) => (
            <label
              key={member.userId}
              className="flex items-center gap-2 rounded px-2 py-1 text-sm hover:bg-hover"
            >
              <input
                type="checkbox"
                checked={chosen.includes(member.userId)}
                disabled={!chosen.includes(member.userId) && chosen.length >= 9}
                onChange={(event) =>
                  setChosen((current) =>
                    event.target.checked
                      ? [...current, member.userId]
                      : current.filter((id) => id !== member.userId),
                  )
                }
              />
              <span>{member.name}</span>
              <span className="text-muted">{member.email}</span>
            </label>
          ))}
        </fieldset>
        {start.error ? (
          <p role="alert" className="text-sm text-danger">
            {describeError(start.error).message}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" disabled={chosen.length === 0 || start.isPending}>
            Start conversation
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
