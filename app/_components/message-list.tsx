"use client";
/**
 * The history of the open channel or conversation: virtualised (only rows
 * near the viewport are in the DOM, so 100,000 messages scroll like 100),
 * older pages loaded as you scroll up with the reading position held,
 * day dividers, a "new messages" divider at your read position, messages
 * grouped by author, and messages marked read as they come into view.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { type Timeline, useChat } from "@/app/_lib/chat-store";
import type { OutgoingMessage } from "@/app/_lib/outbox";
import { useTRPCClient } from "@/app/_lib/trpc";
import type { Message } from "@/app/_lib/types";
import { targetInput } from "@/lib/target";
import { formatTime } from "@/lib/time";
import { MessageItem } from "./message-item";
import { useToast } from "./toast";
import { useWorkspace } from "./workspace-context";

type Row =
  | { kind: "day"; key: string; label: string }
  | { kind: "unread"; key: string }
  | { kind: "message"; key: string; message: Message; grouped: boolean; firstUnread: boolean }
  | { kind: "pending"; key: string; outgoing: OutgoingMessage };

const GROUP_MS = 5 * 60_000;
const PAGE = 50;

function buildRows(timeline: Timeline, pending: OutgoingMessage[], meId: string): Row[] {
  const rows: Row[] = [];
  let previous: Message | undefined;
  let previousDay = "";
  const showUnread = timeline.readAtOpen > 0 || timeline.messages.some((m) => m.author.id !== meId);
  for (const message of timeline.messages) {
    const created = new Date(message.createdAt);
    const day = created.toDateString();
    if (day !== previousDay) {
      rows.push({ kind: "day", key: `day-${day}`, label: formatTime(created, "day") });
      previousDay = day;
      previous = undefined;
    }
    if (
      showUnread &&
      message.sequence === timeline.readAtOpen + 1 &&
      message.author.id !== meId &&
      timeline.readAtOpen > 0
    ) {
      rows.push({ kind: "unread", key: "unread" });
      previous = undefined;
    }
    const grouped =
      previous !== undefined &&
      previous.author.id === message.author.id &&
      previous.deletedAt === null &&
      created.getTime() - new Date(previous.createdAt).getTime() < GROUP_MS;
    rows.push({
      kind: "message",
      key: message.id,
      message,
      grouped,
      firstUnread: rows.at(-1)?.kind === "unread",
    });
    previous = message;
  }
  const delivered = new Set(timeline.messages.map((m) => m.clientMessageId));
  for (const outgoing of pending) {
    if (!delivered.has(outgoing.clientMessageId)) {
      rows.push({ kind: "pending", key: `pending-${outgoing.clientMessageId}`, outgoing });
    }
  }
  return rows;
}

export function MessageList({
  pending,
  canModerate,
  writable,
  editing,
  setEditing,
  resolveMention,
  label,
  onMarkRead,
}: {
  pending: OutgoingMessage[];
  canModerate: boolean;
  writable: boolean;
  editing: string | null;
  setEditing: (id: string | null) => void;
  resolveMention: (userId: string) => string | undefined;
  label: string;
  onMarkRead: (sequence: number) => void;
}) {
  const { store, me, outbox } = useWorkspace();
  const client = useTRPCClient();
  const toast = useToast();
  const timeline = useChat(store, (state) => state.timeline);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const anchor = useRef<{ first: number; fromBottom: number } | null>(null);

  const rows = useMemo(
    () => (timeline ? buildRows(timeline, pending, me.id) : []),
    [timeline, pending, me.id],
  );
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => (rows[index]?.kind === "message" && rows[index].grouped ? 28 : 64),
    getItemKey: (index) => rows[index]?.key ?? index,
    overscan: 12,
  });

  const scrollToBottom = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    if (rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
    requestAnimationFrame(() => {
      element.scrollTop = element.scrollHeight;
    });
  }, [rows.length, virtualizer]);

  // New rows (or rows that grew: a reaction, an edit) follow when you are at
  // the bottom; older pages keep your place.
  const firstSequence = timeline?.messages[0]?.sequence;
  const totalSize = virtualizer.getTotalSize();
  // biome-ignore lint/correctness/useExhaustiveDependencies: reacts to new or resized rows
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const held = anchor.current;
    if (held && firstSequence !== undefined && firstSequence < held.first) {
      element.scrollTop = element.scrollHeight - held.fromBottom;
      anchor.current = null;
      return;
    }
    if (atBottom) scrollToBottom();
  }, [rows.length, firstSequence, totalSize]);

  const loadOlder = useCallback(async () => {
    if (!timeline || loadingOlder || !timeline.hasOlder || timeline.messages.length === 0) return;
    const element = scrollRef.current;
    const first = timeline.messages[0]?.sequence as number;
    setLoadingOlder(true);
    try {
      const target = timeline.target;
      const page = await client.message.list.query({
        ...targetInput(target),
        before: first,
        limit: PAGE,
      });
      if (element) anchor.current = { first, fromBottom: element.scrollHeight - element.scrollTop };
      store.mergeMessages(target, page, { older: true, hasOlder: (page[0]?.sequence ?? 1) > 1 });
    } catch {
      toast("Couldn't load older messages. Scroll up again to retry.");
    } finally {
      setLoadingOlder(false);
    }
  }, [client, store, timeline, loadingOlder, toast]);

  const onScroll = () => {
    const element = scrollRef.current;
    if (!element) return;
    const bottom = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    if (bottom !== atBottom) setAtBottom(bottom);
    if (element.scrollTop < 400) void loadOlder();
  };

  // Mark read what is on screen, when the tab is visible.
  const items = virtualizer.getVirtualItems();
  let newestVisible = 0;
  for (const item of items) {
    const row = rows[item.index];
    if (row?.kind === "message" && item.end > (scrollRef.current?.scrollTop ?? 0)) {
      newestVisible = Math.max(newestVisible, row.message.sequence);
    }
  }
  useEffect(() => {
    if (newestVisible === 0) return;
    const mark = () => {
      if (document.visibilityState === "visible") onMarkRead(newestVisible);
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [newestVisible, onMarkRead]);

  if (!timeline || timeline.loading) {
    return (
      <div className="flex flex-1 flex-col justify-end gap-4 p-4" role="status" aria-busy="true">
        <span className="sr-only">Loading messages…</span>
        {[0, 1, 2, 3].map((index) => (
          <div key={index} className="flex flex-col gap-2">
            <div className="skeleton h-4 w-32" />
            <div className="skeleton h-4 w-3/4" />
          </div>
        ))}
      </div>
    );
  }

  const setSize = timeline.newestSequence;
  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      <div
        ref={scrollRef}
        onScroll={onScroll}
        className="min-h-0 flex-1 overflow-y-auto"
        id="main"
        tabIndex={-1}
      >
        {/* Short histories sit at the bottom, next to the composer, as in any chat. */}
        <div className="flex min-h-full flex-col justify-end">
          {timeline.hasOlder ? (
            <div className="p-3 text-center text-sm text-muted">
              <button
                type="button"
                onClick={() => void loadOlder()}
                disabled={loadingOlder}
                className="underline"
              >
                {loadingOlder ? "Loading older messages…" : "Load older messages"}
              </button>
            </div>
          ) : timeline.messages.length > 0 ? (
            <p className="p-4 text-sm text-muted">
              This is the very beginning of the conversation.
            </p>
          ) : null}
          {rows.length === 0 ? <p className="p-4 text-muted">No messages yet. Say hello!</p> : null}
          <div
            role="feed"
            aria-label={label}
            aria-busy={loadingOlder}
            style={{ height: virtualizer.getTotalSize(), position: "relative" }}
          >
            {items.map((item) => {
              const row = rows[item.index];
              if (!row) return null;
              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  style={{
                    position: "absolute",
                    top: 0,
                    left: 0,
                    width: "100%",
                    transform: `translateY(${item.start}px)`,
                  }}
                >
                  {/* A feed may only contain articles (axe: aria-required-children), so the
                      dividers are not headings but visual only; each article's label carries its date. */}
                  {row.kind === "day" ? (
                    <div
                      aria-hidden="true"
                      className="flex items-center gap-3 px-4 py-2 text-xs font-semibold text-muted"
                    >
                      <span aria-hidden="true" className="h-px flex-1 bg-border" />
                      {row.label}
                      <span aria-hidden="true" className="h-px flex-1 bg-border" />
                    </div>
                  ) : row.kind === "unread" ? (
                    <div
                      aria-hidden="true"
                      className="flex items-center gap-3 px-4 py-1 text-xs font-semibold text-danger"
                    >
                      <span aria-hidden="true" className="h-px flex-1 bg-danger" />
                      New messages
                      <span aria-hidden="true" className="h-px flex-1 bg-danger" />
                    </div>
                  ) : row.kind === "message" ? (
                    <MessageItem
                      message={row.message}
                      grouped={row.grouped}
                      firstUnread={row.firstUnread}
                      meId={me.id}
                      canModerate={canModerate}
                      writable={writable}
                      editing={editing === row.message.id}
                      setEditing={setEditing}
                      resolveMention={resolveMention}
                      onChanged={(changed) => store.mergeMessages(timeline.target, [changed])}
                      setSize={setSize}
                    />
                  ) : (
                    <PendingItem outgoing={row.outgoing} name={me.name} />
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {!atBottom ? (
        <button
          type="button"
          onClick={() => {
            setAtBottom(true);
            scrollToBottom();
          }}
          className="absolute right-6 bottom-3 rounded-full bg-accent px-4 py-1.5 text-sm font-medium text-accent-fg shadow-lg"
        >
          Jump to latest
        </button>
      ) : null}
      <PendingActions outbox={outbox} pending={pending.filter((p) => p.state === "failed")} />
    </div>
  );
}

function PendingItem({ outgoing, name }: { outgoing: OutgoingMessage; name: string }) {
  return (
    <article
      aria-label={`${name}, ${outgoing.state === "failed" ? "not sent" : "sending"}`}
      className="px-4 pt-2 pb-0.5 opacity-70"
    >
      <header className="flex items-baseline gap-2">
        <span className="font-semibold">{name}</span>
        <span className="text-xs text-muted">
          {outgoing.state === "failed"
            ? "Not sent"
            : outgoing.state === "sending"
              ? "Sending…"
              : "Waiting to send…"}
        </span>
      </header>
      <p className="whitespace-pre-wrap break-words">{outgoing.body}</p>
    </article>
  );
}

function PendingActions({
  outbox,
  pending,
}: {
  outbox: { retry(id: string): void; discard(id: string): void };
  pending: OutgoingMessage[];
}) {
  if (pending.length === 0) return null;
  return (
    <div role="alert" className="border-t border-danger bg-panel px-4 py-2 text-sm">
      {pending.map((item) => (
        <div key={item.clientMessageId} className="flex flex-wrap items-center gap-2">
          <span className="text-danger">Not sent: {item.error}</span>
          <button
            type="button"
            className="underline"
            onClick={() => outbox.retry(item.clientMessageId)}
          >
            Retry
          </button>
          <button
            type="button"
            className="underline"
            onClick={() => outbox.discard(item.clientMessageId)}
          >
            Discard
          </button>
        </div>
      ))}
    </div>
  );
}
