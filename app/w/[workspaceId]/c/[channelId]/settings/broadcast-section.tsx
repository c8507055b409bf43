"use client";
/** Who may notify the whole channel with @channel and @here: its policy, changed by its admins. */
import { useMutation } from "@tanstack/react-query";
import { useId } from "react";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { ChannelDetails } from "@/app/_lib/types";

export function BroadcastSection({
  channel,
  label,
  note,
  onSaved,
}: {
  channel: ChannelDetails;
  label: string;
  /** Why the policy cannot be changed by me now; none when it can. */
  note?: string;
  onSaved: () => unknown;
}) {
  const trpc = useTRPC();
  const id = useId();
  const update = useMutation(trpc.channel.update.mutationOptions({ onSuccess: onSaved }));
  // Shown at once; the server's answer (or the refetch after it) settles it.
  const policy = update.isPending
    ? (update.variables?.broadcast ?? channel.broadcast)
    : channel.broadcast;
  const options = [
    { value: "members", label: `Everyone in ${label}` },
    { value: "admins", label: `Only admins of ${label} and workspace owners and admins` },
  ] as const;
  return (
    <div className="flex flex-col gap-3">
      {note ? (
        <p id={`${id}-note`} className="rounded-md border border-border bg-panel px-3 py-2 text-sm">
          {note}
        </p>
      ) : null}
      <fieldset
        disabled={note !== undefined || update.isPending}
        aria-describedby={note ? `${id}-note` : `${id}-hint`}
        className="flex flex-col gap-2"
      >
        <legend className="mb-1 font-medium">Who can use @channel and @here</legend>
        {options.map((option) => (
          <label key={option.value} className="flex items-center gap-2">
            <input
              type="radio"
              name={`${id}-broadcast`}
              value={option.value}
              checked={policy === option.value}
              onChange={() => update.mutate({ channelId: channel.id, broadcast: option.value })}
            />
            {option.label}
          </label>
        ))}
        <p id={`${id}-hint`} className="text-xs text-muted">
          @channel notifies every member of {label}; @here those online now.
        </p>
      </fieldset>
      {update.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(update.error).message}
        </p>
      ) : null}
    </div>
  );
}
