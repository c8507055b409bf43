"use client";
/**
 * A thread beside its channel (a side panel on desktop, the whole screen on
 * a phone): the root, the replies with a "New replies" line, who is typing,
 * following, and a composer that can also send to the channel. It lives on
 * the tab's one stream: replies are changes of the channel like any other.
 */
import { useMutation } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useChat } from "@/app/_lib/chat-store";
import { useOutbox } from "@/app/_lib/outbox";
import { describeError, useTRPC, useTRPCClient } from "@/app/_lib/trpc";
import type { Message } from "@/app/_lib/types";
import { sameTarget, type Target } from "@/lib/target";
import { Composer, type ComposerHandle } from "./composer";
import { MessageItem } from "./message-item";
import { useToast } from "./toast";
import { typingSentence } from "./typing";
import { useWorkspace } from "./workspace-context";

const PAGE = 100;

export function ThreadPanel({
  rootId,
  target,
  channelLabel,
  writable,
  canModerate,
  resolveMention,
  onClose,
}: {
  rootId: string;
  target: Target;
  channelLabel: string;
  writable: boolean;
  canModerate: boolean;
  resolveMention: (userId: string) => string | undefined;
  onClose: () => void;
}) {
  const { store, me, outbox } = useWorkspace();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const toast = useToast();
  const thread = useChat(store, (state) => state.thread);
  const typing = useChat(store, (state) => state.typing);
  const allPending = useOutbox(outbox);
  const [editing, setEditing] = useState<string | null>(null);
  const [current, setCurrent] = useState<number | null>(null);
  const composer = useRef<ComposerHandle>(null);
  const panel = useRef<HTMLElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: loads once per thread
  useEffect(() => {
    store.openThread(rootId);
    let cancelled = false;
    client.message.thread
      .query({ messageId: rootId, limit: PAGE })
      .then((page) => {
        if (!cancelled) store.threadLoaded(rootId, page);
      })
      .catch((error) => {
        if (!cancelled) store.threadFailed(rootId, describeError(error).message);
      });
    requestAnimationFrame(() => composer.current?.focus());
    return () => {
      cancelled = true;
      store.openThread(null);
    };
  }, [rootId]);

  const loadMore = async () => {
    const last = thread?.replies.at(-1)?.sequence;
    if (!thread || last === undefined) return;
    try {
      store.threadLoaded(
        rootId,
        await client.message.thread.query({ messageId: rootId, after: last, limit: PAGE }),
      );
    } catch (error) {
      toast(`Couldn't load more replies: ${describeError(error).message}`);
    }
  };

  // Replies on screen while the tab is visible count as read.
  const newestReply = thread?.replies.at(-1)?.sequence ?? 0;
  const readSent = useRef(0);
  useEffect(() => {
    if (!thread || thread.loading || newestReply <= readSent.current) return;
    const mark = () => {
      if (document.visibilityState !== "visible" || newestReply <= readSent.current) return;
      readSent.current = newestReply;
      client.message.markThreadRead
        .mutate({ messageId: rootId, sequence: newestReply })
        .catch(() => {
          readSent.current = 0;
        });
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [client, rootId, thread, newestReply]);

  const follow = useMutation(
    trpc.message.followThread.mutationOptions({
      onSuccess: (result) => store.setFollowing(rootId, result.following),
      onError: (error) => toast(describeError(error).message),
    }),
  );

  const pending = useMemo(
    () =>
      allPending.filter(
        (item) =>
          item.parentId === rootId &&
          sameTarget(item.target, target) &&
          !thread?.replies.some((reply) => reply.clientMessageId === item.clientMessageId),
      ),
    [allPending, rootId, target, thread?.replies],
  );
  const typists = typing.filter((typist) => typist.userId !== me.id && typist.threadId === rootId);
  const onChanged = (changed: Message) => store.mergeMessages(target, [changed]);
  const messages = thread ? [...(thread.root ? [thread.root] : []), ...thread.replies] : [];
  const firstNew = thread?.replies.find(
    (reply) => reply.sequence > (thread?.readAtOpen ?? 0) && reply.author.id !== me.id,
  );

  return (
    <aside
      ref={panel}
      aria-labelledby="thread-heading"
      className="fixed inset-0 z-30 flex flex-col bg-bg md:static md:z-auto md:w-96 md:shrink-0 md:border-l md:border-border"
      onKeyDown={(event) => {
        if (event.key === "Escape" && !(event.target as HTMLElement).closest("textarea")) {
          event.preventDefault();
          onClose();
        }
      }}
    >
      <header className="flex items-center gap-2 border-b border-border px-4 py-2">
        <h2 id="thread-heading" className="font-semibold">
          Thread
        </h2>
        <span className="truncate text-sm text-muted">in {channelLabel}</span>
        <div className="ml-auto flex gap-1">
          {thread && !thread.loading ? (
            <button
              type="button"
              className="rounded border border-border px-2 py-1 text-sm hover:bg-hover"
              aria-pressed={thread.following}
              onClick={() => follow.mutate({ messageId: rootId, following: !thread.following })}
            >
              {thread.following ? "Following" : "Follow thread"}
            </button>
          ) : null}
          <button
            type="button"
            className="rounded border border-border px-2 py-1 text-sm hover:bg-hover"
            onClick={onClose}
            aria-label="Close thread"
          >
            ×
          </button>
        </div>
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto py-2">
        {!thread || thread.loading ? (
          <p role="status" className="p-4 text-muted">
            Loading the thread…
          </p>
        ) : thread.error ? (
          <p role="alert" className="p-4 text-danger">
            Couldn't load this thread: {thread.error}
          </p>
        ) : (
          <div role="feed" aria-label={`Replies in the thread in ${channelLabel}`}>
            {messages.map((message, index) => (
              <div key={message.id}>
                {message === firstNew ? (
                  <div
                    aria-hidden="true"
                    className="flex items-center gap-3 px-4 py-1 text-xs font-semibold text-danger"
                  >
                    <span className="h-px flex-1 bg-danger" />
                    New replies
                    <span className="h-px flex-1 bg-danger" />
                  </div>
                ) : null}
                <MessageItem
                  message={message}
                  grouped={false}
                  firstUnread={message === firstNew}
                  meId={me.id}
                  canModerate={canModerate}
                  writable={writable}
                  editing={editing === message.id}
                  setEditing={setEditing}
                  resolveMention={resolveMention}
                  onChanged={onChanged}
                  onOpenThread={null}
                  inThread
                  setSize={messages.length}
                  tabStop={(current ?? messages.at(-1)?.sequence) === message.sequence}
                  onFocusItem={setCurrent}
                />
                {index === 0 ? (
                  <p className="border-b border-border px-4 py-1 text-xs text-muted">
                    {thread.replies.length === 0
                      ? "No replies yet."
                      : `${thread.root?.replyCount ?? thread.replies.length} ${
                          (thread.root?.replyCount ?? thread.replies.length) === 1
                            ? "reply"
                            : "replies"
                        }`}
                  </p>
                ) : null}
              </div>
            ))}
            {thread.hasMore ? (
              <button type="button" className="m-4 underline" onClick={() => void loadMore()}>
                Load more replies
              </button>
            ) : null}
            {pending.map((item) => (
              <p key={item.clientMessageId} className="px-4 py-1 text-sm opacity-70">
                {me.name}: {item.body}{" "}
                <span className="text-xs text-muted">
                  {item.state === "failed" ? `Not sent: ${item.error}` : "Sending…"}
                </span>
              </p>
            ))}
          </div>
        )}
      </div>
      <p aria-live="polite" className="h-5 px-4 text-xs text-muted">
        {typingSentence(typists)}
      </p>
      {writable ? (
        <Composer
          ref={composer}
          target={target}
          parentId={rootId}
          channelLabel={channelLabel}
          placeholder={`Reply in thread in ${channelLabel}`}
          onEscape={onClose}
        />
      ) : null}
    </aside>
  );
}
