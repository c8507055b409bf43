"use client";
/**
 * The history of the open channel or conversation: virtualised (only rows
 * near the viewport are in the DOM, so 100,000 messages scroll like 100), a
 * window of history that grows both ways as you scroll, day dividers, a
 * "New messages" line at your read position, messages grouped by author.
 *
 * Reading: the list opens at the first unread message (or a linked one), and
 * a message counts as read once it has been on screen — or when you jump to
 * the latest, press Escape, or choose "Mark as read". While unread messages
 * are above the view, a bar says how many and offers both.
 *
 * Keyboard: the list is one Tab stop (the current message); arrow keys,
 * Home and End move between messages.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import {
  type KeyboardEvent,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { type Timeline, useChat } from "@/app/_lib/chat-store";
import type { OutgoingMessage } from "@/app/_lib/outbox";
import { useTRPCClient } from "@/app/_lib/trpc";
import type { Message } from "@/app/_lib/types";
import { targetInput } from "@/lib/target";
import { formatTime } from "@/lib/time";
import { UploadList } from "./attachments";
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

/** A reply belongs in the timeline only when it was also sent to the channel. */
export const inTimeline = (message: Message) => !message.parentId || message.alsoInChannel;

function buildRows(timeline: Timeline, pending: OutgoingMessage[], meId: string): Row[] {
  const rows: Row[] = [];
  let previous: Message | undefined;
  let previousDay = "";
  let unreadShown = false;
  for (const message of timeline.messages) {
    if (!inTimeline(message)) continue;
    const created = new Date(message.createdAt);
    const day = created.toDateString();
    if (day !== previousDay) {
      rows.push({ kind: "day", key: `day-${day}`, label: formatTime(created, "day") });
      previousDay = day;
      previous = undefined;
    }
    const firstUnread =
      !unreadShown &&
      timeline.readAtOpen > 0 &&
      message.sequence > timeline.readAtOpen &&
      message.author.id !== meId;
    if (firstUnread) {
      rows.push({ kind: "unread", key: "unread" });
      unreadShown = true;
      previous = undefined;
    }
    const grouped =
      previous !== undefined &&
      previous.author.id === message.author.id &&
      previous.deletedAt === null &&
      created.getTime() - new Date(previous.createdAt).getTime() < GROUP_MS;
    rows.push({ kind: "message", key: message.id, message, grouped, firstUnread });
    previous = message;
  }
  if (!timeline.hasNewer) {
    const delivered = new Set(timeline.messages.map((m) => m.clientMessageId));
    for (const outgoing of pending) {
      if (!delivered.has(outgoing.clientMessageId) && !outgoing.parentId) {
        rows.push({ kind: "pending", key: `pending-${outgoing.clientMessageId}`, outgoing });
      }
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
  onOpenThread,
  unreadCount,
}: {
  pending: OutgoingMessage[];
  canModerate: boolean;
  writable: boolean;
  editing: string | null;
  setEditing: (id: string | null) => void;
  resolveMention: (userId: string) => string | undefined;
  label: string;
  onMarkRead: (sequence: number) => void;
  onOpenThread: (rootId: string) => void;
  /** Unread messages here now, as the sidebar counts them. */
  unreadCount: number;
}) {
  const { store, me, outbox } = useWorkspace();
  const client = useTRPCClient();
  const toast = useToast();
  const timeline = useChat(store, (state) => state.timeline);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [loading, setLoading] = useState<"older" | "newer" | null>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 0 });
  const [current, setCurrent] = useState<number | null>(null);
  const anchorDone = useRef<string | null>(null);
  const olderAnchor = useRef<{ first: number; fromBottom: number } | null>(null);

  const rows = useMemo(
    () => (timeline ? buildRows(timeline, pending, me.id) : []),
    [timeline, pending, me.id],
  );
  const messageRows = useMemo(
    () => rows.flatMap((row, index) => (row.kind === "message" ? [{ index, row }] : [])),
    [rows],
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

  const target = timeline?.target;
  const targetKey = target ? `${target.kind}:${target.id}` : "";

  // Where reading starts, once per opening: the anchor (first unread or linked message) or the bottom.
  useLayoutEffect(() => {
    if (!timeline || timeline.loading || anchorDone.current === targetKey) return;
    anchorDone.current = targetKey;
    const anchor = timeline.anchor;
    const index =
      anchor === null
        ? -1
        : rows.findIndex(
            (row) =>
              (row.kind === "unread" && timeline.highlight === null) ||
              (row.kind === "message" && row.message.sequence >= anchor),
          );
    if (index < 0) {
      scrollToBottom();
      return;
    }
    setAtBottom(false);
    virtualizer.scrollToIndex(index, { align: timeline.highlight !== null ? "center" : "start" });
    const row = rows[index];
    if (row?.kind === "message") setCurrent(row.message.sequence);
  }, [timeline, rows, targetKey, virtualizer, scrollToBottom]);

  // New rows (or rows that grew: a reaction, an edit) follow when you are at
  // the bottom; older pages keep your place.
  const firstSequence = timeline?.messages[0]?.sequence;
  const totalSize = virtualizer.getTotalSize();
  // biome-ignore lint/correctness/useExhaustiveDependencies: reacts to new or resized rows
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element || anchorDone.current !== targetKey) return;
    const held = olderAnchor.current;
    if (held && firstSequence !== undefined && firstSequence < held.first) {
      element.scrollTop = element.scrollHeight - held.fromBottom;
      olderAnchor.current = null;
      return;
    }
    if (atBottom && !timeline?.hasNewer) scrollToBottom();
  }, [rows.length, firstSequence, totalSize]);

  const loadPage = useCallback(
    async (direction: "older" | "newer") => {
      if (!timeline || loading || timeline.messages.length === 0) return;
      if (direction === "older" ? !timeline.hasOlder : !timeline.hasNewer) return;
      const element = scrollRef.current;
      setLoading(direction);
      try {
        const first = timeline.messages[0]?.sequence as number;
        const last = timeline.messages.at(-1)?.sequence as number;
        const page = await client.message.list.query({
          ...targetInput(timeline.target),
          ...(direction === "older" ? { before: first } : { after: last }),
          limit: PAGE,
        });
        if (direction === "older") {
          if (element)
            olderAnchor.current = { first, fromBottom: element.scrollHeight - element.scrollTop };
          store.mergeMessages(timeline.target, page, {
            hasOlder: (page[0]?.sequence ?? 1) > 1,
          });
        } else {
          store.mergeMessages(timeline.target, page, { hasNewer: page.length === PAGE });
        }
      } catch {
        toast(`Couldn't load ${direction} messages. Scroll again to retry.`);
      } finally {
        setLoading(null);
      }
    },
    [client, store, timeline, loading, toast],
  );

  const onScroll = () => {
    const element = scrollRef.current;
    if (!element) return;
    setViewport({ top: element.scrollTop, height: element.clientHeight });
    const bottom = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    if (bottom !== atBottom) setAtBottom(bottom);
    if (element.scrollTop < 400) void loadPage("older");
    if (element.scrollHeight - element.scrollTop - element.clientHeight < 400)
      void loadPage("newer");
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the viewport is measured again whenever the rows change size
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (element) setViewport({ top: element.scrollTop, height: element.clientHeight });
  }, [totalSize]);

  // Mark read what is on screen — inside the viewport, not the rows rendered beyond it — when visible.
  const items = virtualizer.getVirtualItems();
  let newestVisible = 0;
  let unreadLineAbove = false;
  for (const item of items) {
    const row = rows[item.index];
    const onScreen = item.end > viewport.top && item.start < viewport.top + viewport.height;
    if (row?.kind === "message" && onScreen)
      newestVisible = Math.max(newestVisible, row.message.sequence);
    if (row?.kind === "unread" && item.end <= viewport.top) unreadLineAbove = true;
  }
  const unreadRowIndex = rows.findIndex((row) => row.kind === "unread");
  if (unreadRowIndex >= 0 && !items.some((item) => item.index === unreadRowIndex)) {
    const firstRendered = items[0]?.index ?? 0;
    if (unreadRowIndex < firstRendered) unreadLineAbove = true;
  }
  useEffect(() => {
    if (newestVisible === 0 || viewport.height === 0) return;
    const mark = () => {
      if (document.visibilityState === "visible") onMarkRead(newestVisible);
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [newestVisible, onMarkRead, viewport.height]);

  const newest = timeline?.newestSequence ?? 0;
  const markAllRead = useCallback(() => onMarkRead(newest), [onMarkRead, newest]);

  const jumpToLatest = useCallback(async () => {
    if (!timeline) return;
    if (timeline.hasNewer) {
      try {
        const page = await client.message.list.query({
          ...targetInput(timeline.target),
          limit: PAGE,
        });
        store.resetToLatest(timeline.target, page, (page[0]?.sequence ?? 1) > 1);
      } catch {
        toast("Couldn't load the latest messages. Try again.");
        return;
      }
    }
    setAtBottom(true);
    scrollToBottom();
    markAllRead();
  }, [client, store, timeline, toast, scrollToBottom, markAllRead]);

  const jumpToFirstUnread = () => {
    if (unreadRowIndex >= 0) virtualizer.scrollToIndex(unreadRowIndex, { align: "start" });
  };

  // After an edit closes, focus goes back to the message that was edited.
  const lastEditing = useRef<string | null>(null);
  useEffect(() => {
    const was = lastEditing.current;
    lastEditing.current = editing;
    if (was && !editing)
      scrollRef.current?.querySelector<HTMLElement>(`article[data-id="${was}"]`)?.focus();
  }, [editing]);

  const focusSequence = (sequence: number) => {
    const index = rows.findIndex(
      (row) => row.kind === "message" && row.message.sequence === sequence,
    );
    if (index < 0) return;
    setCurrent(sequence);
    virtualizer.scrollToIndex(index, { align: "auto" });
    // The row may need a frame or two to be rendered by the virtualiser.
    const focusWhenThere = (tries: number) => {
      const article = scrollRef.current?.querySelector<HTMLElement>(
        `article[data-sequence="${sequence}"]`,
      );
      if (article) article.focus();
      else if (tries > 0) requestAnimationFrame(() => focusWhenThere(tries - 1));
    };
    requestAnimationFrame(() => focusWhenThere(5));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const inField = (event.target as HTMLElement).closest("textarea, input, [role=toolbar] button");
    if (event.key === "Escape" && !inField) {
      markAllRead();
      return;
    }
    if (inField || !(event.target as HTMLElement).matches("article")) return;
    // From the message that has focus (state may not have caught up with a quick key press).
    const from = Number((event.target as HTMLElement).dataset.sequence);
    const position = messageRows.findIndex(
      ({ row }) => row.kind === "message" && row.message.sequence === from,
    );
    const to = (index: number) => {
      const entry = messageRows[Math.max(0, Math.min(messageRows.length - 1, index))];
      if (entry?.row.kind === "message") focusSequence(entry.row.message.sequence);
    };
    if (event.key === "ArrowDown") to(position + 1);
    else if (event.key === "ArrowUp") to(position - 1);
    else if (event.key === "Home") to(0);
    else if (event.key === "End") to(messageRows.length - 1);
    else return;
    event.preventDefault();
  };

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

  // The Tab stop: the message last focused, else the newest shown.
  const lastMessage = messageRows.at(-1)?.row;
  const tabStop =
    current ?? (lastMessage?.kind === "message" ? lastMessage.message.sequence : null);
  const firstUnreadMessage = rows.find((row) => row.kind === "message" && row.firstUnread);
  const showBar = unreadCount > 0 && unreadLineAbove;

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      {showBar ? (
        <section
          aria-label="Unread messages"
          className="flex flex-wrap items-center gap-3 border-b border-border bg-panel px-4 py-1.5 text-sm"
        >
          <span>
            {unreadCount} new {unreadCount === 1 ? "message" : "messages"}
            {firstUnreadMessage?.kind === "message"
              ? ` since ${formatTime(firstUnreadMessage.message.createdAt, "short")}`
              : ""}
          </span>
          <button type="button" className="underline" onClick={jumpToFirstUnread}>
            Jump to first unread
          </button>
          <button type="button" className="underline" onClick={markAllRead}>
            Mark as read
          </button>
        </section>
      ) : null}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: keyboard movement between the feed's articles */}
      <div
        ref={scrollRef}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
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
                onClick={() => void loadPage("older")}
                disabled={loading === "older"}
                className="underline"
              >
                {loading === "older" ? "Loading older messages…" : "Load older messages"}
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
            aria-busy={loading !== null}
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
                      highlighted={row.message.sequence === timeline.highlight}
                      meId={me.id}
                      canModerate={canModerate}
                      writable={writable}
                      editing={editing === row.message.id}
                      setEditing={setEditing}
                      resolveMention={resolveMention}
                      onChanged={(changed) => store.mergeMessages(timeline.target, [changed])}
                      onOpenThread={onOpenThread}
                      setSize={timeline.newestSequence}
                      tabStop={row.message.sequence === tabStop}
                      onFocusItem={setCurrent}
                    />
                  ) : (
                    <PendingItem outgoing={row.outgoing} name={me.name} />
                  )}
                </div>
              );
            })}
          </div>
          {timeline.hasNewer ? (
            <div className="p-3 text-center text-sm text-muted">
              <button
                type="button"
                onClick={() => void loadPage("newer")}
                disabled={loading === "newer"}
                className="underline"
              >
                {loading === "newer" ? "Loading newer messages…" : "Load newer messages"}
              </button>
            </div>
          ) : null}
        </div>
      </div>
      {!atBottom || timeline.hasNewer ? (
        <button
          type="button"
          onClick={() => void jumpToLatest()}
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
  const { uploads } = useWorkspace();
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
      <p dir="auto" className="whitespace-pre-wrap break-words">
        {outgoing.body}
      </p>
      {outgoing.files?.length ? (
        <UploadList
          label="Files of this message"
          localIds={outgoing.files.map((file) => file.localId)}
          onRemove={(localId) => uploads.cancel(localId)}
        />
      ) : null}
    </article>
  );
}

export function PendingActions({
  outbox,
  pending,
}: {
  outbox: { retry(id: string): void; discard(id: string): void; edit(id: string): void };
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
            onClick={() => outbox.edit(item.clientMessageId)}
          >
            Edit
          </button>
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
