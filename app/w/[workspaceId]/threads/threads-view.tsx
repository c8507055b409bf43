"use client";
/**
 * The followed threads: where each is, its root message, how many replies,
 * the last reply's time and how many I have not read, a page at a time
 * ("Load more"). The list reloads when the tab stream says the unread totals
 * changed; opening a thread is the thread's page (its channel or
 * conversation with `?thread=`).
 */
import { useInfiniteQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useEffect, useRef } from "react";
import { LoadFailed, LoadMoreButton } from "@/app/_components/form";
import { LocalTime } from "@/app/_components/local-time";
import { PageFrame } from "@/app/_components/page-frame";
import { useMentionName, usePlaceName } from "@/app/_components/use-names";
import { useWorkspace } from "@/app/_components/workspace-context";
import { useChat } from "@/app/_lib/chat-store";
import { threadPath } from "@/app/_lib/links";
import { plainText } from "@/app/_lib/markdown";
import { useTRPC } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";

type ThreadsPage = inferRouterOutputs<AppRouter>["message"]["threads"];
type FollowedThread = ThreadsPage["items"][number];

export function ThreadsView({ first, pageSize }: { first: ThreadsPage; pageSize: number }) {
  const trpc = useTRPC();
  const { workspace, store } = useWorkspace();
  const totals = useChat(store, (state) => state.threads);
  const threads = useInfiniteQuery({
    ...trpc.message.threads.infiniteQueryOptions(
      { workspaceId: workspace.id, limit: pageSize },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    // The first page was read without a cursor; a null one would be sent and refused.
    initialData: { pages: [first], pageParams: [undefined as unknown as string | null] },
  });

  // New replies, or replies read elsewhere, change the totals: fetch the list again — once a
  // page being loaded is in, since a refetch cancels it (the list stayed one page short).
  const { refetch, isFetchingNextPage } = threads;
  const totalsKey = `${totals.unreadThreads}:${totals.unreadReplies}`;
  const lastTotals = useRef(totalsKey);
  useEffect(() => {
    if (lastTotals.current === totalsKey || isFetchingNextPage) return;
    lastTotals.current = totalsKey;
    void refetch();
  }, [totalsKey, isFetchingNextPage, refetch]);

  const items = threads.data.pages.flatMap((page) => page.items);
  // Both count up from below: the loaded pages, and the stream's total once it has said it.
  const unread = Math.max(
    items.filter((thread) => thread.unreadCount > 0).length,
    totals.unreadThreads,
  );
  return (
    <PageFrame
      title="Threads"
      subtitle={
        items.length === 0
          ? "Threads you follow"
          : `${items.length}${threads.hasNextPage ? "+" : ""} followed · ${unread} with unread replies`
      }
    >
      {threads.isError ? (
        <LoadFailed what="your threads" error={threads.error} retry={() => threads.refetch()} />
      ) : null}
      {items.length === 0 ? (
        <div className="rounded-md border border-border bg-panel px-4 py-8 text-center text-sm text-muted">
          <p className="font-medium text-fg">You are not following any threads yet.</p>
          <p>Threads you start, reply in or are mentioned in show up here, newest reply first.</p>
        </div>
      ) : (
        <div className="flex flex-col gap-4">
          <ul
            aria-label="Followed threads"
            className="flex flex-col divide-y divide-border rounded-md border border-border"
          >
            {items.map((thread) => (
              <ThreadRow key={thread.root.id} thread={thread} />
            ))}
          </ul>
          <LoadMoreButton pages={threads} label="Load more threads" />
        </div>
      )}
    </PageFrame>
  );
}

function ThreadRow({ thread }: { thread: FollowedThread }) {
  const { workspace } = useWorkspace();
  const resolve = useMentionName();
  const placeName = usePlaceName();
  const { root } = thread;
  const unread = thread.unreadCount > 0;
  const preview = root.deletedAt ? null : plainText(root.body, resolve);
  return (
    <li>
      <Link
        href={threadPath(workspace.id, root)}
        className="flex flex-col gap-1 px-3 py-3 hover:bg-hover focus-visible:bg-hover"
      >
        <span className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm">
          <span className={`font-semibold ${unread ? "text-fg" : "text-muted"}`}>
            {placeName(thread, thread.channelName)}
          </span>
          {unread ? (
            <span className="ml-auto rounded-full bg-accent px-2 text-xs font-semibold text-accent-fg">
              {thread.unreadCount} unread
            </span>
          ) : null}
        </span>
        <span className={`line-clamp-2 break-words ${unread ? "font-semibold" : ""}`}>
          <span className="font-semibold">{root.author.name}: </span>
          {preview ?? <span className="text-muted italic">This message was deleted.</span>}
        </span>
        <span className="text-xs text-muted">
          {thread.replyCount} {thread.replyCount === 1 ? "reply" : "replies"}
          {thread.lastReplyAt ? (
            <>
              {" · Last reply "}
              <LocalTime iso={thread.lastReplyAt} />
            </>
          ) : null}
        </span>
      </Link>
    </li>
  );
}
