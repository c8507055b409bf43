"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { placePath } from "@/app/_lib/links";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import { Dialog } from "./dialog";
import { Button, Field } from "./form";
import { useWorkspace } from "./workspace-context";

/** Channel names as people type them, made valid: "Team Chat!" becomes "team-chat". */
export function channelName(text: string) {
  return text
    .toLowerCase()
    .replace(/\s+/g, "-")
    .replace(/[^a-z0-9_-]/g, "")
    .slice(0, 80);
}

export function CreateChannelDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { workspace } = useWorkspace();
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const create = useMutation(
    trpc.channel.create.mutationOptions({
      onSuccess: ({ id }) => {
        close();
        router.push(placePath(workspace.id, { channelId: id }));
      },
    }),
  );
  const close = () => {
    setName("");
    setTopic("");
    setPrivate(false);
    create.reset();
    onClose();
  };
  const error = create.error ? describeError(create.error) : undefined;
  return (
    <Dialog open={open} onClose={close} title="Create a channel">
      <form
        className="flex flex-col gap-4"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ workspaceId: workspace.id, name, isPrivate, topic: topic || undefined });
        }}
      >
        <Field
          label="Channel name"
          name="channel-name"
          value={name}
          onChange={(event) => setName(channelName(event.target.value))}
          hint="Lowercase letters, digits, - and _."
          error={
            error?.fields.name?.[0]
              ? `Name ${error.fields.name[0]}.`
              : error?.code === "CONFLICT"
                ? error.message
                : undefined
          }
          required
          autoFocus
        />
        <Field
          label="Topic (optional)"
          name="channel-topic"
          value={topic}
          onChange={(event) => setTopic(event.target.value)}
          maxLength={250}
          error={error?.fields.topic?.[0] ? `Topic ${error.fields.topic[0]}.` : undefined}
        />
        <label className="flex items-start gap-2 text-sm">
          <input
            type="checkbox"
            checked={isPrivate}
            onChange={(event) => setPrivate(event.target.checked)}
            className="mt-1"
          />
          <span>
            <span className="font-medium">Make private</span>
            <span className="block text-muted">Only people you add can see a private channel.</span>
          </span>
        </label>
        {error && !error.fields.name && !error.fields.topic && error.code !== "CONFLICT" ? (
          <p role="alert" className="text-sm text-danger">
            {error.message}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" disabled={create.isPending || name.length === 0}>
            {create.isPending ? "Creating…" : "Create channel"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
