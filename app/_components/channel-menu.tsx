"use client";
/**
 * The controls beside a channel's or conversation's title: its pinned
 * messages, when I am told about it (all, mentions, nothing, muted), marking
 * it read, and (channels) its settings.
 */
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { useChat } from "@/app/_lib/chat-store";
import { permalink } from "@/app/_lib/links";
import { plainText } from "@/app/_lib/markdown";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import { type Target, targetInput } from "@/lib/target";
import { formatTime } from "@/lib/time";
import { Dialog } from "./dialog";
import { Button, LoadMoreButton } from "./form";
import { Menu } from "./menu";
import { useToast } from "./toast";
import { useMembers } from "./use-members";
import { useWorkspace } from "./workspace-context";

const PINS_PAGE_SIZE = 30;

const LEVELS = [
  { value: "all", label: "Every new message" },
  { value: "mentions", label: "Mentions and replies to threads I follow" },
  { value: "none", label: "Nothing" },
] as const;

function PinsDialog({
  target,
  label,
  onClose,
}: {
  target: Target;
  label: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const { workspace } = useWorkspace();
  const { resolve } = useMembers();
  const queryClient = useQueryClient();
  const pins = useInfiniteQuery(
    trpc.channel.pins.infiniteQueryOptions(
      { ...targetInput(target), limit: PINS_PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const unpin = useMutation(
    trpc.message.unpin.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries(trpc.channel.pins.infiniteQueryFilter(targetInput(target))),
    }),
  );
  const items = pins.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Dialog open onClose={onClose} title={`Pinned in ${label}`} wide>
      {pins.isPending ? (
        <p role="status">Loading pinned messages…</p>
      ) : pins.error && items.length === 0 ? (
        <p role="alert" className="text-danger">
          Could not load pinned messages: {describeError(pins.error).message}
        </p>
      ) : items.length === 0 ? (
        <p className="text-muted">Nothing is pinned yet. Pin a message from its actions.</p>
      ) : (
        <div className="flex max-h-96 flex-col gap-2 overflow-y-auto">
          <ul aria-label="Pinned messages" className="flex flex-col gap-2">
            {items.map((message) => (
              <li key={message.id} className="rounded-md border border-border p-2">
                <p className="text-xs text-muted">
                  {message.author.name} · {formatTime(message.createdAt, "short")}
                </p>
                <p dir="auto" className="line-clamp-3 whitespace-pre-wrap break-words">
                  {plainText(message.body, resolve)}
                </p>
                <div className="mt-1 flex gap-3 text-sm">
                  <Link
                    href={permalink(workspace.id, message)}
                    onClick={onClose}
                    className="underline"
                  >
                    Go to message
                  </Link>
                  <button
                    type="button"
                    className="underline"
                    onClick={() => unpin.mutate({ messageId: message.id })}
                  >
                    Unpin
                  </button>
                </div>
              </li>
            ))}
          </ul>
          {pins.error ? (
            <p role="alert" className="text-sm text-danger">
              Could not load more pinned messages: {describeError(pins.error).message}
            </p>
          ) : null}
          <LoadMoreButton pages={pins} label="Load more pinned messages" />
        </div>
      )}
    </Dialog>
  );
}

function NotificationsDialog({
  target,
  label,
  onClose,
}: {
  target: Target;
  label: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const toast = useToast();
  const { store } = useWorkspace();
  const groupId = useId();
  const item = useChat(store, (state) =>
    target.kind === "channel"
      ? state.channels.find((c) => c.id === target.id)
      : state.conversations.find((c) => c.id === target.id),
  );
  const save = useMutation(
    trpc.channel.setNotifications.mutationOptions({
      onError: (error) => toast(`Could not change notifications: ${describeError(error).message}`),
    }),
  );
  const level = save.variables?.level ?? item?.notify ?? "mentions";
  const muted = save.variables?.muted ?? item?.muted ?? false;
  return (
    <Dialog open onClose={onClose} title={`Notifications for ${label}`}>
      <fieldset className="flex flex-col gap-2" aria-describedby={`${groupId}-hint`}>
        <legend className="mb-1 text-sm font-medium">Tell me about</legend>
        {LEVELS.map((option) => (
          <label key={option.value} className="flex items-center gap-2">
            <input
              type="radio"
              name={groupId}
              value={option.value}
              checked={level === option.value}
              onChange={() => save.mutate({ ...targetInput(target), level: option.value, muted })}
            />
            {option.label}
          </label>
        ))}
        <p id={`${groupId}-hint`} className="text-xs text-muted">
          Direct messages and mentions of you are always counted; this decides what alerts you.
        </p>
      </fieldset>
      <label className="flex items-center gap-2">
        <input
          type="checkbox"
          checked={muted}
          onChange={(event) =>
            save.mutate({ ...targetInput(target), level, muted: event.target.checked })
          }
        />
        Mute {label} (not shown in bold, never alerts; counts stay exact)
      </label>
      <div className="flex justify-end">
        <Button onClick={onClose}>Done</Button>
      </div>
    </Dialog>
  );
}

export function ChannelMenu({
  target,
  label,
  settingsHref,
}: {
  target: Target;
  label: string;
  settingsHref?: string;
}) {
  const [open, setOpen] = useState<"pins" | "notifications" | null>(null);
  return (
    <>
      <Menu
        label={target.kind === "channel" ? "Channel options" : "Conversation options"}
        buttonClassName="shrink-0 rounded border border-border px-2 py-1 text-sm hover:bg-hover"
        items={[
          { label: "Pinned messages", onSelect: () => setOpen("pins") },
          { label: "Notifications", onSelect: () => setOpen("notifications") },
        ]}
      >
        Options
      </Menu>
      {settingsHref ? (
        <Link
          href={settingsHref}
          className="shrink-0 rounded border border-border px-2 py-1 text-sm hover:bg-hover"
        >
          Channel settings
        </Link>
      ) : null}
      {open === "pins" ? (
        <PinsDialog target={target} label={label} onClose={() => setOpen(null)} />
      ) : null}
      {open === "notifications" ? (
        <NotificationsDialog target={target} label={label} onClose={() => setOpen(null)} />
      ) : null}
    </>
  );
}
