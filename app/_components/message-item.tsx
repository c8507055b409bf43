"use client";
/** One message: author and time (unless grouped), the safe rendering of its body, reactions and actions. */
import { useMutation } from "@tanstack/react-query";
import { memo, useEffect, useRef, useState } from "react";
import { renderMessage } from "@/app/_lib/markdown";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { Message } from "@/app/_lib/types";
import { formatTime } from "@/lib/time";
import { Dialog } from "./dialog";
import { Button } from "./form";
import { useToast } from "./toast";

export const REACTIONS = ["👍", "❤️", "😂", "🎉", "👀", "✅"];

export interface MessageItemProps {
  message: Message;
  grouped: boolean;
  /** The first message after your read position (the visual divider is hidden from screen readers). */
  firstUnread?: boolean;
  meId: string;
  canModerate: boolean;
  writable: boolean;
  editing: boolean;
  setEditing: (messageId: string | null) => void;
  resolveMention: (userId: string) => string | undefined;
  onChanged: (message: Message) => void;
  setSize: number;
}

export const MessageItem = memo(function MessageItem({
  message,
  grouped,
  firstUnread = false,
  meId,
  canModerate,
  writable,
  editing,
  setEditing,
  resolveMention,
  onChanged,
  setSize,
}: MessageItemProps) {
  const trpc = useTRPC();
  const toast = useToast();
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const onError = (error: unknown) => toast(`${describeError(error).message}`);
  const react = useMutation(trpc.message.react.mutationOptions({ onSuccess: onChanged, onError }));
  const unreact = useMutation(
    trpc.message.unreact.mutationOptions({ onSuccess: onChanged, onError }),
  );
  const remove = useMutation(
    trpc.message.delete.mutationOptions({
      onSuccess: (changed) => {
        setConfirming(false);
        onChanged(changed);
      },
      onError,
    }),
  );
  const mine = message.author.id === meId;
  const deleted = message.deletedAt !== null;
  const created = new Date(message.createdAt);

  const toggle = (emoji: string, reacted: boolean) => {
    setPicking(false);
    (reacted ? unreact : react).mutate({ messageId: message.id, emoji });
  };

  return (
    <article
      aria-posinset={message.sequence}
      aria-setsize={setSize}
      aria-label={`${firstUnread ? "New messages start here. " : ""}${message.author.name}, ${formatTime(created, "full")}`}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: articles in a feed are focusable (WAI-ARIA feed pattern)
      tabIndex={0}
      data-sequence={message.sequence}
      className={`group relative flex flex-col px-4 ${grouped ? "pt-0.5" : "pt-2"} pb-0.5 hover:bg-hover focus-within:bg-hover`}
    >
      {!grouped ? (
        <header className="flex items-baseline gap-2">
          <span className="font-semibold">{message.author.name}</span>
          <time
            dateTime={message.createdAt}
            title={formatTime(created, "full")}
            className="text-xs text-muted"
          >
            {formatTime(created, "time")}
          </time>
        </header>
      ) : null}
      {editing ? (
        <EditBox message={message} onDone={() => setEditing(null)} onChanged={onChanged} />
      ) : deleted ? (
        <p className="text-sm text-muted italic">This message was deleted.</p>
      ) : (
        <div className="md-body break-words leading-relaxed">
          {renderMessage(message.body, { resolveMention, currentUserId: meId })}
          {message.editedAt ? (
            <span
              className="ml-1 text-xs text-muted"
              title={`Edited ${formatTime(message.editedAt, "full")}`}
            >
              (edited)
            </span>
          ) : null}
        </div>
      )}
      {message.reactions.length > 0 && !deleted ? (
        <ul aria-label="Reactions" className="mt-1 flex flex-wrap gap-1">
          {message.reactions.map((reaction) => {
            const reacted = reaction.userIds.includes(meId);
            return (
              <li key={reaction.emoji}>
                <button
                  type="button"
                  aria-pressed={reacted}
                  disabled={!writable}
                  aria-label={`${reaction.emoji} ${reaction.count} ${reaction.count === 1 ? "reaction" : "reactions"}${reacted ? ", including yours" : ""}`}
                  onClick={() => toggle(reaction.emoji, reacted)}
                  className={`rounded-full border px-2 text-sm ${reacted ? "border-accent bg-accent/10" : "border-border"}`}
                >
                  {reaction.emoji} {reaction.count}
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
      {writable && !deleted && !editing ? (
        <div
          role="toolbar"
          aria-label="Message actions"
          className="absolute -top-3 right-4 hidden gap-0.5 rounded-md border border-border bg-bg p-0.5 shadow-sm group-hover:flex group-focus-within:flex"
        >
          <button
            type="button"
            className="rounded px-2 py-0.5 text-sm hover:bg-hover"
            aria-expanded={picking}
            onClick={() => setPicking((value) => !value)}
          >
            Add reaction
          </button>
          {mine ? (
            <button
              type="button"
              className="rounded px-2 py-0.5 text-sm hover:bg-hover"
              onClick={() => setEditing(message.id)}
            >
              Edit
            </button>
          ) : null}
          {mine || canModerate ? (
            <button
              type="button"
              className="rounded px-2 py-0.5 text-sm text-danger hover:bg-hover"
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          ) : null}
          {picking ? (
            <fieldset className="absolute top-8 right-0 z-10 flex gap-1 rounded-md border border-border bg-bg p-1 shadow">
              <legend className="sr-only">Choose a reaction</legend>
              {REACTIONS.map((emoji) => {
                const reacted = message.reactions.some(
                  (r) => r.emoji === emoji && r.userIds.includes(meId),
                );
                return (
                  <button
                    key={emoji}
                    type="button"
                    aria-label={`React with ${emoji}`}
                    aria-pressed={reacted}
                    className="rounded px-1.5 py-0.5 text-lg hover:bg-hover"
                    onClick={() => toggle(emoji, reacted)}
                  >
                    {emoji}
                  </button>
                );
              })}
            </fieldset>
          ) : null}
        </div>
      ) : null}
      <Dialog open={confirming} onClose={() => setConfirming(false)} title="Delete this message?">
        <p className="text-sm text-muted">
          Everyone will see that a message was deleted here, but not what it said. This cannot be
          undone.
        </p>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button
            variant="danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate({ messageId: message.id })}
          >
            Delete
          </Button>
        </div>
      </Dialog>
    </article>
  );
});

function EditBox({
  message,
  onDone,
  onChanged,
}: {
  message: Message;
  onDone: () => void;
  onChanged: (message: Message) => void;
}) {
  const trpc = useTRPC();
  const [body, setBody] = useState(message.body);
  const ref = useRef<HTMLTextAreaElement>(null);
  const edit = useMutation(
    trpc.message.edit.mutationOptions({
      onSuccess: (changed) => {
        onChanged(changed);
        onDone();
      },
    }),
  );
  useEffect(() => {
    const box = ref.current;
    box?.focus();
    box?.setSelectionRange(box.value.length, box.value.length);
  }, []);
  const save = () => {
    if (body.trim() === message.body) onDone();
    else edit.mutate({ messageId: message.id, body });
  };
  return (
    <form
      className="my-1 flex flex-col gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <textarea
        ref={ref}
        aria-label="Edit message"
        value={body}
        rows={Math.min(8, body.split("\n").length + 1)}
        onChange={(event) => setBody(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            onDone();
          } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            save();
          }
        }}
        className="w-full resize-none rounded-md border border-border bg-bg p-2"
      />
      {edit.error ? (
        <p role="alert" className="text-sm text-danger">
          {describeError(edit.error).message}
        </p>
      ) : null}
      <div className="flex gap-2 text-sm">
        <Button type="submit" disabled={edit.isPending}>
          Save
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <span className="self-center text-muted">Enter to save, Escape to cancel</span>
      </div>
    </form>
  );
}
