"use client";
/** A channel's name and topic, editable by its admins and workspace owners and admins. */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { channelName } from "@/app/_components/create-channel-dialog";
import { Button, Field } from "@/app/_components/form";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { ChannelDetails } from "@/app/_lib/types";

export function DetailsForm({
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
