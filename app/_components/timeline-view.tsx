"use client";
/**
 * A channel or conversation: header, connection state, the message list,
 * who is typing, and the composer. The page hands over the history it
 * rendered and its position; the workspace's one stream carries on from there.
 */
import Link from "next/link";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useChat } from "@/app/_lib/chat-store";
import { plainText } from "@/app/_lib/markdown";
import { useOutbox } from "@/app/_lib/outbox";
import { useTRPCClient } from "@/app/_lib/trpc";
import type { Message } from "@/app/_lib/types";
import { type Target, targetInput } from "@/lib/target";
import { Composer } from "./composer";
import { MessageList } from "./message-list";
import { PageHeader } from "./page-frame";
import { useMembers } from "./use-members";
import { useWorkspace } from "./workspace-context";

const connectionLabel = {
  connecting: "Connecting…",
  live: "Connected",
  reconnecting: "Reconnecting…",
  "caught-up": "Caught up",
  closed: "Disconnected",
} as const;

export function TimelineView({
  target,
  title,
  headingLabel,
  topic,
  details,
  messages,
  position,
  archived,
  canModerate,
  composerLabel,
}: {
  target: Target;
  title: ReactNode;
  headingLabel: string;
  topic?: string;
  details?: ReactNode;
  messages: Message[];
  position: number;
  archived: boolean;
  canModerate: boolean;
  composerLabel: string;
}) {
  const { store, outbox, setOpen, me } = useWorkspace();
  const client = useTRPCClient();
  const { resolve } = useMembers();
  const connection = useChat(store, (state) => state.connection);
  const typing = useChat(store, (state) => state.typing);
  const timeline = useChat(store, (state) => state.timeline);
  const allPending = useOutbox(outbox);
  const pending = useMemo(
    () =>
      allPending.filter((item) => item.target.kind === target.kind && item.target.id === target.id),
    [allPending, target.kind, target.id],
  );
  const [editing, setEditing] = useState<string | null>(null);

  useEffect(() => {
    setOpen({ target, position, messages });
    return () => setOpen(null);
  }, [setOpen, target, position, messages]);

  // Read positions only move forward; one request per step.
  const readSent = useRef(0);
  const markRead = useCallback(
    (sequence: number) => {
      if (sequence <= readSent.current) return;
      readSent.current = sequence;
      client.message.markRead
        .mutate({
          ...targetInput(target),
          sequence,
        })
        .catch(() => {
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
    if (!timeline || timeline.loading) return;
    const newest = timeline.messages.at(-1)?.sequence ?? 0;
    if (seen.current === null) {
      seen.current = newest;
      return;
    }
    const fresh = timeline.messages.filter(
      (m) => m.sequence > (seen.current ?? 0) && m.author.id !== me.id,
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
      .find((m) => m.author.id === me.id && !m.deletedAt);
    if (mine) setEditing(mine.id);
  };

  const others = typing.filter((typist) => typist.userId !== me.id);
  const typingText =
    others.length === 0
      ? ""
      : others.length === 1
        ? `${others[0]?.name} is typing…`
        : others.length === 2
          ? `${others[0]?.name} and ${others[1]?.name} are typing…`
          : "Several people are typing…";

  return (
    <main className="flex min-h-0 flex-1 flex-col" aria-label={headingLabel}>
      <PageHeader title={title} subtitle={topic || undefined}>
        {details}
        <p
          role="status"
          className={`shrink-0 rounded-full px-2 py-0.5 text-xs ${
            connection === "live" || connection === "caught-up"
              ? "text-[light-dark(#15803d,#4ade80)]"
              : "text-muted"
          }`}
        >
          <span aria-hidden="true">
            {connection === "live" || connection === "caught-up" ? "● " : "○ "}
          </span>
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
      />
      <p aria-live="polite" className="h-5 px-4 text-xs text-muted">
        {typingText}
      </p>
      <p aria-live="polite" className="sr-only">
        {announcement}
      </p>
      {archived ? null : (
        <Composer target={target} placeholder={composerLabel} onEditLast={editLast} />
      )}
    </main>
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
