"use client";
/**
 * My activity, newest first: mentions, replies in threads I follow and
 * reactions to my messages, paged with the list's cursor. What was unread
 * when the page loaded stays marked for this visit; once the list is on
 * screen it all counts as seen (activity.markRead), which clears the
 * sidebar's badge through the tab stream. Activity that arrives while the
 * page is open is offered with a "Show new activity" button.
 */
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { Button, LoadFailed, LoadMoreButton } from "@/app/_components/form";
import { LocalTime } from "@/app/_components/local-time";
import { PageFrame } from "@/app/_components/page-frame";
import { useMentionName, usePlaceName } from "@/app/_components/use-names";
import { useWorkspace } from "@/app/_components/workspace-context";
import { useChat } from "@/app/_lib/chat-store";
import { permalink } from "@/app/_lib/links";
import { plainText } from "@/app/_lib/markdown";
import { useTRPC } from "@/app/_lib/trpc";
import type { AppRouter } from "@/server/routers/_app";

type ActivityPage = inferRouterOutputs<AppRouter>["activity"]["list"];
type ActivityItem = ActivityPage["items"][number];

const PAGE_SIZE = 30;

export function ActivityView({ first }: { first: ActivityPage }) {
  const trpc = useTRPC();
  const { workspace, store } = useWorkspace();
  const unreadNow = useChat(store, (state) => state.activityUnread);
  const activity = useInfiniteQuery({
    ...trpc.activity.list.infiniteQueryOptions(
      { workspaceId: workspace.id, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    // The first page was read without a cursor. tRPC types page params as `string | null`, but
    // it would send a null one as `cursor: null`, which the API refuses; undefined is left out.
    initialData: { pages: [first], pageParams: [undefined as unknown as string | null] },
    // Fetching again would lose the unread marks of this visit ("Show new activity" does it on
    // purpose), and a later visit starts from its own server-rendered page, not this cache.
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
  const { mutate } = useMutation(trpc.activity.markRead.mutationOptions());
  // Until this visit's markRead is answered, the sidebar's count may still be the old one.
  const [marking, setMarking] = useState(true);
  // Set once the count has come down to zero after that: whatever it shows later is new.
  const [armed, setArmed] = useState(false);

  const markSeen = useCallback(
    () => mutate({ workspaceId: workspace.id }, { onSettled: () => setMarking(false) }),
    [mutate, workspace.id],
  );
  const markedOnce = useRef(false);
  useEffect(() => {
    if (markedOnce.current) return;
    markedOnce.current = true;
    // Unread items are the newest, so the first page holds them all when there are any.
    if (first.items.some((item) => item.unread)) markSeen();
    else setMarking(false);
  }, [markSeen, first]);
  useEffect(() => {
    if (!marking && unreadNow === 0) setArmed(true);
  }, [marking, unreadNow]);

  const showNew = async () => {
    setArmed(false);
    setMarking(true);
    await activity.refetch();
    markSeen();
  };

  const items = activity.data.pages.flatMap((page) => page.items);
  const unread = items.filter((item) => item.unread).length;
  const fresh = armed ? unreadNow : 0;

  return (
    <PageFrame
      title="Activity"
      subtitle={
        items.length === 0
          ? "Mentions, thread replies and reactions"
          : unread > 0
            ? `${unread} unread since your last visit`
            : "You are all caught up"
      }
      actions={
        fresh > 0 ? (
          <Button variant="secondary" className="shrink-0 py-1" onClick={showNew}>
            Show new activity ({fresh})
          </Button>
        ) : null
      }
    >
      {activity.isError ? (
        <LoadFailed what="your activity" error={activity.error} retry={() => activity.refetch()} />
      ) : null}
      {items.length === 0 ? (
        <div className="rounded-md border border-border bg-panel px-4 py-8 text-center text-sm text-muted">
          <p className="font-medium text-fg">Nothing here yet.</p>
          <p>
            When someone mentions you, replies in a thread you follow or reacts to your message, it
            shows up here.
          </p>
        </div>
      ) : (
        <div className="flex flex-col gap-4">
          <ul
            aria-label="Activity"
            className="flex flex-col divide-y divide-border rounded-md border border-border"
          >
            {items.map((item) => (
              <ActivityRow key={itemKey(item)} item={item} />
            ))}
          </ul>
          <LoadMoreButton pages={activity} />
        </div>
      )}
    </PageFrame>
  );
}

const itemKey = (item: ActivityItem) =>
  item.kind === "reaction"
    ? `x:${item.message.id}:${item.by.id}:${item.emoji}`
    : `${item.kind}:${item.message.id}`;

function ActivityRow({ item }: { item: ActivityItem }) {
  const { workspace } = useWorkspace();
  const resolve = useMentionName();
  const placeName = usePlaceName();
  const { message } = item;
  const place = placeName(message);
  const what =
    item.kind === "mention"
      ? `${message.author.name} mentioned you in ${place}`
      : item.kind === "reply"
        ? `${message.author.name} replied to a thread in ${place}`
        : `${item.by.name} reacted ${item.emoji} to your message in ${place}`;
  return (
    <li>
      <Link
        href={permalink(workspace.id, message)}
        className={`flex gap-3 px-3 py-3 hover:bg-hover focus-visible:bg-hover ${item.unread ? "bg-accent/5" : ""}`}
      >
        <span
          aria-hidden="true"
          className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${item.unread ? "bg-accent" : ""}`}
        />
        <span className="flex min-w-0 flex-1 flex-col gap-1">
          <span className="flex flex-wrap items-baseline gap-x-2 gap-y-1 text-sm">
            <span className={item.unread ? "font-semibold" : ""}>{what}</span>
            <span className="text-xs text-muted">
              <LocalTime iso={item.at} />
            </span>
            {item.unread ? (
              <span className="rounded-full border border-accent px-2 text-xs font-semibold text-accent">
                Unread
              </span>
            ) : null}
          </span>
          <span className="line-clamp-2 text-sm break-words text-muted">
            {message.deletedAt ? "This message was deleted." : plainText(message.body, resolve)}
          </span>
        </span>
      </Link>
    </li>
  );
}
