"use client";
/**
 * A channel or conversation: header, connection state, the message list,
 * who is typing, the composer, and the thread open beside it (named by the
 * URL's ?thread=, so a thread has a link). The page hands over the history
 * it rendered and its position; the workspace's one stream carries on.
 */
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type InitialHistory, useChat } from "@/app/_lib/chat-store";
import { plainText } from "@/app/_lib/markdown";
import { useKeptTimeline, withKeptHistory } from "@/app/_lib/offline-history";
import { useOutbox } from "@/app/_lib/outbox";
import { useTRPCClient } from "@/app/_lib/trpc";
import type { Message } from "@/app/_lib/types";
import { sameTarget, type Target, targetInput } from "@/lib/target";
import { Composer } from "./composer";
import { inTimeline, MessageList } from "./message-list";
import { PageHeader } from "./page-frame";
import { ThreadPanel } from "./thread-panel";
import { typingSentence } from "./typing";
import { useMembers } from "./use-members";
import { useWorkspace } from "./workspace-context";

const connectionLabel = {
  connecting: "Connecting…",
  live: "Connected",
  reconnecting: "Reconnecting…",
  "caught-up": "Caught up",
  offline: "Offline — messages will send when you are back",
  closed: "Disconnected",
} as const;

export function TimelineView({
  target,
  title,
  headingLabel,
  topic,
  details,
  history,
  position,
  openThread,
  archived,
  canModerate,
  composerLabel,
}: {
  target: Target;
  title: ReactNode;
  headingLabel: string;
  topic?: string;
  details?: ReactNode;
  history: InitialHistory;
  position: number;
  /** The thread the URL opens. */
  openThread: string | null;
  archived: boolean;
  canModerate: boolean;
  composerLabel: string;
}) {
  const { store, outbox, setOpen, me } = useWorkspace();
  const client = useTRPCClient();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const { resolve } = useMembers();
  const connection = useChat(store, (state) => state.connection);
  const typing = useChat(store, (state) => state.typing);
  const timeline = useChat(store, (state) => state.timeline);
  const unreadCount = useChat(
    store,
    (state) =>
      (target.kind === "channel"
        ? state.channels.find((c) => c.id === target.id)
        : state.conversations.find((c) => c.id === target.id)
      )?.unreadCount ?? 0,
  );
  const allPending = useOutbox(outbox);
  const pending = useMemo(
    () => allPending.filter((item) => sameTarget(item.target, target)),
    [allPending, target],
  );
  const [editing, setEditing] = useState<string | null>(null);
  const thread = searchParams.get("thread") ?? openThread;
  const threadOpener = useRef<HTMLElement | null>(null);

  // Offline copies: this browser keeps what it shows, and a page older than that (the service
  // worker's copy, served without network) opens with it (app/_lib/offline-history.ts).
  useKeptTimeline(store, me.id);
  useEffect(() => {
    setOpen({ target, position, history: withKeptHistory(me.id, target, history) });
    return () => setOpen(null);
  }, [setOpen, target, position, history, me.id]);

  const showThread = useCallback(
    (rootId: string | null) => {
      if (rootId) threadOpener.current = document.activeElement as HTMLElement | null;
      const params = new URLSearchParams(searchParams.toString());
      if (rootId) params.set("thread", rootId);
      else params.delete("thread");
      const query = params.toString();
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
      if (!rootId) requestAnimationFrame(() => threadOpener.current?.focus());
    },
    [router, pathname, searchParams],
  );

  // Read positions only move forward; one request per step.
  const readSent = useRef(0);
  const markRead = useCallback(
    (sequence: number) => {
      if (sequence <= readSent.current) return;
      readSent.current = sequence;
      client.message.markRead.mutate({ ...targetInput(target), sequence }).catch(() => {
        readSent.current = 0;
      });
    },
    [client, target],
  );

  // New messages from others are announced politely, at most every few seconds.
  const [announcement, setAnnouncement] = useState("");
  const seen = useRef<number | null>(null);
  const queued = useRef<Message[]>([]);
  useEffect(() => {
    if (!timeline || timeline.loading || timeline.hasNewer) return;
    const newest = timeline.messages.at(-1)?.sequence ?? 0;
    if (seen.current === null) {
      seen.current = newest;
      return;
    }
    const fresh = timeline.messages.filter(
      (m) => m.sequence > (seen.current ?? 0) && m.author.id !== me.id && inTimeline(m),
    );
    seen.current = Math.max(seen.current, newest);
    queued.current.push(...fresh);
  }, [timeline, me.id]);
  useEffect(() => {
    const timer = setInterval(() => {
      const batch = queued.current.splice(0);
      if (batch.length === 1) {
        const [message] = batch as [Message];
        setAnnouncement(
          `${message.author.name}: ${plainText(message.body, resolve).slice(0, 200)}`,
        );
      } else if (batch.length > 1) {
        setAnnouncement(`${batch.length} new messages`);
      }
    }, 3000);
    return () => clearInterval(timer);
  }, [resolve]);

  const editLast = () => {
    const mine = [...(timeline?.messages ?? [])]
      .reverse()
      .find((m) => m.author.id === me.id && !m.deletedAt && inTimeline(m));
    if (mine) setEditing(mine.id);
  };

  const others = typing.filter((typist) => typist.userId !== me.id && !typist.threadId);
  const live = connection === "live" || connection === "caught-up";

  return (
    <div className="flex min-h-0 flex-1">
      <main className="flex min-h-0 min-w-0 flex-1 flex-col" aria-label={headingLabel}>
        <PageHeader title={title} subtitle={topic || undefined}>
          {details}
          <p
            role="status"
            className={`w-28 shrink-0 truncate rounded-full px-2 py-0.5 text-xs ${
              live ? "text-[light-dark(#15803d,#4ade80)]" : "text-muted"
            }`}
            title={connectionLabel[connection]}
          >
            <span aria-hidden="true">{live ? "● " : "○ "}</span>
            {connectionLabel[connection]}
          </p>
        </PageHeader>
        {archived ? (
          <p className="border-b border-border bg-panel px-4 py-2 text-sm">
            This channel is archived: you can read it, but nobody can post, edit or react.
          </p>
        ) : null}
        <MessageList
          pending={pending}
          canModerate={canModerate}
          writable={!archived}
          editing={editing}
          setEditing={setEditing}
          resolveMention={resolve}
          label={`Messages in ${headingLabel}`}
          onMarkRead={markRead}
          onOpenThread={showThread}
          unreadCount={unreadCount}
        />
        <p aria-live="polite" className="h-5 px-4 text-xs text-muted">
          {typingSentence(others)}
        </p>
        <p aria-live="polite" className="sr-only">
          {announcement}
        </p>
        {archived ? null : (
          <Composer
            target={target}
            placeholder={composerLabel}
            onEditLast={editLast}
            onEscape={() => markRead(timeline?.newestSequence ?? 0)}
          />
        )}
      </main>
      {thread ? (
        <ThreadPanel
          key={thread}
          rootId={thread}
          target={target}
          channelLabel={headingLabel}
          writable={!archived}
          canModerate={canModerate}
          resolveMention={resolve}
          onClose={() => showThread(null)}
        />
      ) : null}
    </div>
  );
}

export function MembersLink({ href, count }: { href: string; count: number }) {
  return (
    <Link
      href={href}
      className="shrink-0 rounded border border-border px-2 py-1 text-sm hover:bg-hover"
    >
      {count} {count === 1 ? "member" : "members"}
    </Link>
  );
}
