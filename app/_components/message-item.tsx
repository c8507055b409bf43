"use client";
/**
 * One message: author and time (grouped messages show their time on hover or
 * focus), the safe rendering of its body, its reactions, its thread's
 * summary, and its actions — react, reply in thread, edit, delete, copy
 * link, mark unread from here, pin.
 */
import { useMutation } from "@tanstack/react-query";
import { memo, useEffect, useRef, useState } from "react";
import { permalink } from "@/app/_lib/links";
import { renderMessage } from "@/app/_lib/markdown";
import { type ChosenMentions, decodeMentions } from "@/app/_lib/mention-text";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import type { Message } from "@/app/_lib/types";
import { targetInput, targetOf } from "@/lib/target";
import { formatTime } from "@/lib/time";
import { MessageFiles } from "./attachments";
import { Avatar } from "./avatar";
import { Dialog } from "./dialog";
import { Button } from "./form";
import { Menu } from "./menu";
import { MessageEditor } from "./message-editor";
import { PersonName } from "./profile-card";
import { ReactionBar, ReactionPicker } from "./reactions";
import { useToast } from "./toast";
import { useWorkspace } from "./workspace-context";

export interface MessageItemProps {
  message: Message;
  grouped: boolean;
  /** The first message after your read position (the visual divider is hidden from screen readers). */
  firstUnread?: boolean;
  /** A linked message (permalink), shown highlighted. */
  highlighted?: boolean;
  meId: string;
  canModerate: boolean;
  writable: boolean;
  editing: boolean;
  setEditing: (messageId: string | null) => void;
  resolveMention: (userId: string) => string | undefined;
  onChanged: (message: Message) => void;
  /** Opens this message's thread (null in a thread panel, where it is open already). */
  onOpenThread: ((rootId: string) => void) | null;
  /** In a thread panel: replies are not threads themselves, and the panel marks no channel unread. */
  inThread?: boolean;
  setSize: number;
  /** Roving tabindex: only the list's current message is a Tab stop. */
  tabStop: boolean;
  onFocusItem: (sequence: number) => void;
}

export const MessageItem = memo(function MessageItem({
  message,
  grouped,
  firstUnread = false,
  highlighted = false,
  meId,
  canModerate,
  writable,
  editing,
  setEditing,
  resolveMention,
  onChanged,
  onOpenThread,
  inThread = false,
  setSize,
  tabStop,
  onFocusItem,
}: MessageItemProps) {
  const trpc = useTRPC();
  const toast = useToast();
  const { workspace } = useWorkspace();
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const onError = (error: unknown) => toast(`${describeError(error).message}`);
  const changeOptions = { onSuccess: onChanged, onError };
  const react = useMutation(trpc.message.react.mutationOptions(changeOptions));
  const unreact = useMutation(trpc.message.unreact.mutationOptions(changeOptions));
  const pin = useMutation(trpc.message.pin.mutationOptions(changeOptions));
  const unpin = useMutation(trpc.message.unpin.mutationOptions(changeOptions));
  const markUnread = useMutation(
    trpc.message.markUnread.mutationOptions({
      onSuccess: () => toast("Marked unread from this message.", "info"),
      onError,
    }),
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
  const link = permalink(workspace.id, message);

  const toggle = (emoji: string, reacted: boolean) => {
    setPicking(false);
    (reacted ? unreact : react).mutate({ messageId: message.id, emoji });
  };

  const copyLink = async () => {
    const url = new URL(link, window.location.origin).toString();
    try {
      await navigator.clipboard.writeText(url);
      toast("Link copied.", "info");
    } catch {
      toast(`Copy this link: ${url}`, "info");
    }
  };

  const action = "rounded px-2 py-0.5 text-sm hover:bg-hover";
  return (
    <article
      aria-posinset={message.sequence}
      aria-setsize={setSize}
      aria-label={`${firstUnread ? "New messages start here. " : ""}${highlighted ? "Linked message. " : ""}${message.author.name}, ${formatTime(created, "full")}`}
      tabIndex={tabStop ? 0 : -1}
      onFocus={(event) => {
        if (event.target === event.currentTarget) onFocusItem(message.sequence);
      }}
      data-sequence={message.sequence}
      data-id={message.id}
      className={`group relative flex flex-col px-4 ${grouped ? "pt-0.5" : "pt-2"} pb-0.5 hover:bg-hover focus-within:bg-hover ${highlighted ? "bg-accent/10 ring-2 ring-accent ring-inset" : ""}`}
    >
      {!grouped ? (
        <header className="flex items-center gap-2">
          <Avatar userId={message.author.id} name={message.author.name} size="sm" />
          <PersonName userId={message.author.id} name={message.author.name} />
          <time
            dateTime={message.createdAt}
            title={formatTime(created, "full")}
            className="text-xs text-muted"
          >
            {formatTime(created, "time")}
          </time>
          {message.pinnedAt ? <span className="text-xs text-muted">📌 Pinned</span> : null}
        </header>
      ) : (
        <time
          dateTime={message.createdAt}
          title={formatTime(created, "full")}
          className="absolute top-1 left-1 hidden w-10 text-right text-[10px] text-muted group-hover:block group-focus-within:block"
        >
          {formatTime(created, "time")}
        </time>
      )}
      {message.parentId && !inThread && onOpenThread ? (
        <button
          type="button"
          className="self-start text-xs text-muted underline"
          onClick={() => onOpenThread(message.parentId as string)}
        >
          Replied in a thread
        </button>
      ) : null}
      {editing ? (
        <EditBox
          message={message}
          resolveMention={resolveMention}
          onDone={() => setEditing(null)}
          onChanged={onChanged}
        />
      ) : deleted ? (
        <p className="text-sm text-muted italic">This message was deleted.</p>
      ) : (
        <div dir="auto" className="md-body break-words leading-relaxed">
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
      {!deleted ? <MessageFiles files={message.files} /> : null}
      <ReactionBar
        message={message}
        meId={meId}
        writable={writable}
        resolveName={resolveMention}
        onToggle={toggle}
      />
      {!inThread && onOpenThread && message.replyCount > 0 ? (
        <button
          type="button"
          onClick={() => onOpenThread(message.id)}
          className="mt-1 flex items-center gap-2 self-start rounded px-1 text-sm text-accent hover:bg-hover"
        >
          <span className="font-semibold">
            {message.replyCount} {message.replyCount === 1 ? "reply" : "replies"}
          </span>
          {message.replyUsers.length > 0 ? (
            <span className="text-muted">
              from {message.replyUsers.map((user) => user.name).join(", ")}
            </span>
          ) : null}
          {message.lastReplyAt ? (
            <span className="text-xs text-muted">
              · last {formatTime(message.lastReplyAt, "short")}
            </span>
          ) : null}
        </button>
      ) : null}
      {!deleted && !editing ? (
        <div
          role="toolbar"
          aria-label="Message actions"
          className="absolute -top-3 right-4 hidden flex-wrap gap-0.5 rounded-md border border-border bg-bg p-0.5 shadow-sm group-hover:flex group-focus-within:flex"
        >
          {writable ? (
            <button
              type="button"
              className={action}
              aria-expanded={picking}
              onClick={() => setPicking((value) => !value)}
            >
              Add reaction
            </button>
          ) : null}
          {!inThread && onOpenThread && !message.parentId ? (
            <button type="button" className={action} onClick={() => onOpenThread(message.id)}>
              Reply in thread
            </button>
          ) : null}
          {writable && mine ? (
            <button type="button" className={action} onClick={() => setEditing(message.id)}>
              Edit
            </button>
          ) : null}
          {writable && (mine || canModerate) ? (
            <button
              type="button"
              className={`${action} text-danger`}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          ) : null}
          <Menu
            label="More actions"
            buttonClassName={action}
            items={[
              { label: "Copy link", onSelect: () => void copyLink() },
              ...(!inThread
                ? [
                    {
                      label: "Mark unread from here",
                      onSelect: () =>
                        markUnread.mutate({
                          ...targetInput(targetOf(message)),
                          sequence: message.sequence,
                        }),
                    },
                  ]
                : []),
              ...(writable
                ? [
                    {
                      label: message.pinnedAt ? "Unpin" : "Pin",
                      onSelect: () =>
                        (message.pinnedAt ? unpin : pin).mutate({ messageId: message.id }),
                    },
                  ]
                : []),
            ]}
          >
            ⋯
          </Menu>
          {picking ? <ReactionPicker message={message} meId={meId} onToggle={toggle} /> : null}
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

/** Editing in place: mentions show as "@Name" and are kept on save; Escape returns focus to the message. */
function EditBox({
  message,
  resolveMention,
  onDone,
  onChanged,
}: {
  message: Message;
  resolveMention: (userId: string) => string | undefined;
  onDone: () => void;
  onChanged: (message: Message) => void;
}) {
  const trpc = useTRPC();
  const [initial] = useState(() => decodeMentions(message.body, resolveMention));
  const [body, setBody] = useState(initial.text);
  const chosen = useRef<ChosenMentions>(initial.chosen);
  const box = useRef<HTMLTextAreaElement>(null);
  const submit = useRef<(() => void) | null>(null);
  const edit = useMutation(
    trpc.message.edit.mutationOptions({
      onSuccess: (changed) => {
        onChanged(changed);
        onDone();
      },
    }),
  );
  useEffect(() => {
    const element = box.current;
    element?.focus();
    element?.setSelectionRange(element.value.length, element.value.length);
  }, []);
  const save = (wire: string) => {
    if (wire === message.body) onDone();
    else edit.mutate({ messageId: message.id, body: wire });
  };
  return (
    <form
      className="my-1 flex flex-col gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        submit.current?.();
      }}
    >
      <div className="rounded-md border border-border bg-bg p-2 focus-within:border-accent">
        <MessageEditor
          value={body}
          onChange={setBody}
          onSubmit={save}
          onCancel={onDone}
          chosen={chosen}
          label="Edit message"
          boxRef={box}
          submitRef={submit}
        />
      </div>
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
