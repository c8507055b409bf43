"use client";
/**
 * Message search: a panel over the workspace (full screen on phones) opened
 * from the sidebar's "Search messages" button, with `/` when no field has
 * focus, or with Ctrl/Cmd+F. Typing searches as you go: the query waits for
 * a pause, and a request the next keystroke makes stale is aborted. Hits are
 * grouped by channel or conversation, in the order of their best hit, with
 * the matched words marked; choosing one opens its permalink.
 *
 * The search box is a combobox over a listbox of hits: focus stays in the
 * box, the arrow keys move the active hit, Enter opens it, and Escape closes
 * the panel and gives focus back to where it was.
 */
import { keepPreviousData, skipToken, useInfiniteQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { highlightSegments } from "@/app/_lib/highlight";
import { permalink } from "@/app/_lib/links";
import { describeError, useTRPC } from "@/app/_lib/trpc";
import { targetKey, targetOf } from "@/lib/target";
import { formatTime } from "@/lib/time";
import type { AppRouter } from "@/server/routers/_app";
import { Button, LoadMoreButton } from "./form";
import { MagnifierIcon } from "./icons";
import { useMentionName, usePlaceName } from "./use-names";
import { useWorkspace } from "./workspace-context";

type Hit = inferRouterOutputs<AppRouter>["message"]["search"]["hits"][number];

const OPEN_EVENT = "sequent:open-search";
const DEBOUNCE_MS = 200;
const PAGE_SIZE = 20;

/** Opens the search panel of this tab (it listens for this event). */
export function openSearch() {
  window.dispatchEvent(new Event(OPEN_EVENT));
}

/** Whether a key press lands in something that takes text, where `/` is just a character. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLInputElement &&
      !["button", "checkbox", "radio", "submit", "reset"].includes(target.type))
  );
}

/** The sidebar's way in: looks like a search box, opens the panel. */
export function SearchButton() {
  return (
    <button
      type="button"
      onClick={openSearch}
      aria-label="Search messages"
      aria-keyshortcuts="/ Control+F Meta+F"
      aria-haspopup="dialog"
      className="muted flex w-full items-center gap-2 rounded border border-white/20 px-2 py-1 text-left text-sm"
    >
      <MagnifierIcon />
      <span className="flex-1">Search messages</span>
      <kbd className="hidden rounded border border-white/20 px-1 font-mono text-xs md:inline-block">
        /
      </kbd>
    </button>
  );
}

/** `value`, once it has stopped changing for `ms` (at once when it becomes empty). */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (!value.trim()) {
      setSettled(value);
      return;
    }
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function SearchPanel() {
  const { workspace } = useWorkspace();
  const trpc = useTRPC();
  const router = useRouter();
  const resolve = useMentionName();
  const placeName = usePlaceName();
  const ids = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  // Where focus was before the panel opened; it goes back there unless a hit was opened.
  const returnFocus = useRef<HTMLElement | null>(null);
  const navigating = useRef(false);
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [activeId, setActiveId] = useState<string | null>(null);
  const query = useDebounced(text, DEBOUNCE_MS);
  const searching = open && query.trim() !== "";

  const results = useInfiniteQuery({
    ...trpc.message.search.infiniteQueryOptions(
      searching ? { workspaceId: workspace.id, query, limit: PAGE_SIZE } : skipToken,
      {
        getNextPageParam: (page) => page.nextCursor,
        // The query's AbortSignal reaches the request, so a superseded search is cancelled.
        trpc: { abortOnUnmount: true },
      },
    ),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    // A query the server rejects will not get better by asking again.
    retry: (count, error) => count < 2 && !describeError(error).code,
  });

  // Pages are offsets into a ranking that new messages can shift, so a hit may come twice.
  const hits = useMemo(() => {
    const byId = new Map<string, Hit>();
    for (const page of results.data?.pages ?? [])
      for (const hit of page.hits) if (!byId.has(hit.message.id)) byId.set(hit.message.id, hit);
    return [...byId.values()];
  }, [results.data]);

  // Grouped by place, each group where its best hit ranks; `ordered` is the order on screen.
  const groups = useMemo(() => {
    const byPlace = new Map<string, { key: string; label: string; hits: Hit[] }>();
    for (const hit of hits) {
      const key = targetKey(targetOf(hit.message));
      const group = byPlace.get(key) ?? {
        key,
        label: placeName(hit.message, hit.channelName),
        hits: [],
      };
      group.hits.push(hit);
      byPlace.set(key, group);
    }
    return [...byPlace.values()];
  }, [hits, placeName]);
  const ordered = useMemo(() => groups.flatMap((group) => group.hits), [groups]);
  const active = ordered.find((hit) => hit.message.id === activeId) ?? ordered[0];
  const optionId = (hit: Hit) => `${ids}-hit-${hit.message.id}`;

  const show = useCallback(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (!dialog.open) {
      returnFocus.current =
        document.activeElement instanceof HTMLElement ? document.activeElement : null;
      navigating.current = false;
      dialog.showModal();
      setOpen(true);
    }
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const findKey =
        (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "f";
      const slash =
        event.key === "/" &&
        !event.ctrlKey &&
        !event.metaKey &&
        !event.altKey &&
        !typingIn(event.target);
      if (!findKey && !slash) return;
      event.preventDefault();
      show();
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener(OPEN_EVENT, show);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener(OPEN_EVENT, show);
    };
  }, [show]);

  // The dialog's close event comes however it closed: Escape, the Close button, or a hit.
  const onClosed = () => {
    setOpen(false);
    const previous = returnFocus.current;
    returnFocus.current = null;
    if (!navigating.current && previous?.isConnected) previous.focus();
  };

  const close = () => dialogRef.current?.close();

  const choose = (hit: Hit | undefined) => {
    if (!hit) return;
    navigating.current = true;
    close();
    router.push(permalink(workspace.id, hit.message));
  };

  const move = (step: 1 | -1) => {
    if (ordered.length === 0 || !active) return;
    const index = ordered.indexOf(active);
    const next = ordered[Math.min(ordered.length - 1, Math.max(0, index + step))];
    if (next) setActiveId(next.message.id);
  };

  // Keep the active hit in view as the arrow keys move it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the active hit changes
  useEffect(() => {
    if (!active) return;
    document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
  }, [active?.message.id]);

  const waiting = text.trim() !== "" && (text !== query || results.isFetching);
  const stale = results.isPlaceholderData || text !== query;
  const error = results.isError ? describeError(results.error) : null;
  const status = !query.trim()
    ? ""
    : error
      ? ""
      : results.isPending || (waiting && hits.length === 0)
        ? "Searching…"
        : hits.length === 0
          ? "No results"
          : `${hits.length}${results.hasNextPage ? "+" : ""} ${hits.length === 1 ? "result" : "results"}`;

  return (
    <dialog
      ref={dialogRef}
      aria-label="Search messages"
      onClose={onClosed}
      className="m-0 h-dvh max-h-none w-full max-w-none flex-col bg-bg p-0 text-fg backdrop:bg-black/50 open:flex md:mx-auto md:mt-[10vh] md:h-fit md:max-h-[80vh] md:w-[calc(100%-2rem)] md:max-w-2xl md:rounded-xl md:border md:border-border md:shadow-2xl"
    >
      <div className="flex items-center gap-2 border-b border-border px-3 py-2">
        <MagnifierIcon className="text-muted" />
        <input
          ref={inputRef}
          type="text"
          role="combobox"
          aria-label="Search messages"
          aria-describedby={`${ids}-help`}
          aria-expanded={ordered.length > 0}
          aria-controls={`${ids}-results`}
          aria-autocomplete="list"
          aria-activedescendant={active ? optionId(active) : undefined}
          autoComplete="off"
          spellCheck={false}
          enterKeyHint="search"
          maxLength={500}
          value={text}
          placeholder="Search messages"
          onChange={(event) => {
            setText(event.target.value);
            setActiveId(null);
          }}
          onKeyDown={(event) => {
            if (event.key === "ArrowDown" || event.key === "ArrowUp") {
              event.preventDefault();
              move(event.key === "ArrowDown" ? 1 : -1);
            } else if (event.key === "Enter" && !event.nativeEvent.isComposing) {
              event.preventDefault();
              choose(active);
            }
          }}
          className="min-w-0 flex-1 bg-transparent py-1 text-base outline-none"
        />
        {text ? (
          <button
            type="button"
            className="rounded px-2 py-1 text-sm text-muted hover:bg-hover"
            onClick={() => {
              setText("");
              inputRef.current?.focus();
            }}
          >
            Clear
          </button>
        ) : null}
        <button
          type="button"
          onClick={close}
          aria-label="Close search"
          className="rounded px-2 text-lg text-muted hover:bg-hover"
        >
          ×
        </button>
      </div>
      <p id={`${ids}-help`} className="border-b border-border px-4 py-2 text-xs text-muted">
        Filters: <Code>in:#channel</Code> <Code>in:@person</Code> <Code>from:@person</Code>{" "}
        <Code>before:</Code> <Code>after:</Code> <Code>on:2026-01-31</Code> <Code>has:link</Code>.
        Use <Code>"a phrase"</Code> for exact words, <Code>-word</Code> to leave one out,{" "}
        <Code>OR</Code> for either.
      </p>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 py-2">
        <p role="status" className="px-2 pb-1 text-xs text-muted">
          {status}
        </p>
        {error ? (
          <div
            role="alert"
            className="mx-2 flex flex-col items-start gap-2 rounded-md border border-danger px-3 py-3 text-sm"
          >
            <p className="text-danger">Search failed: {error.message}</p>
            {error.code === "BAD_REQUEST" ? null : (
              <Button variant="secondary" className="py-1" onClick={() => results.refetch()}>
                Try again
              </Button>
            )}
          </div>
        ) : !query.trim() ? (
          <p className="px-2 py-6 text-center text-sm text-muted">
            Type to search the channels and conversations you are in.
          </p>
        ) : hits.length === 0 && !waiting && !results.isPending ? (
          <div className="px-2 py-6 text-center text-sm text-muted">
            <p className="font-medium text-fg">No messages match “{query.trim()}”.</p>
            <p>Check the spelling, try fewer words, or remove a filter.</p>
          </div>
        ) : null}
        {query.trim() && ordered.length > 0 && !error ? (
          <div
            id={`${ids}-results`}
            role="listbox"
            aria-label="Search results"
            aria-busy={stale}
            className={`flex flex-col gap-3 ${stale ? "opacity-70" : ""}`}
          >
            {groups.map((group) => (
              // biome-ignore lint/a11y/useSemanticElements: a listbox groups its options with role="group"; a fieldset is for form fields
              <div
                key={group.key}
                role="group"
                aria-labelledby={`${ids}-group-${group.key}`}
                className="flex flex-col"
              >
                <div
                  id={`${ids}-group-${group.key}`}
                  className="sticky top-0 z-10 bg-bg px-2 py-1 text-xs font-semibold text-muted"
                >
                  {group.label}
                </div>
                {group.hits.map((hit) => (
                  <HitOption
                    key={hit.message.id}
                    id={optionId(hit)}
                    hit={hit}
                    selected={hit === active}
                    resolve={resolve}
                    onChoose={() => choose(hit)}
                    onHover={() => setActiveId(hit.message.id)}
                  />
                ))}
              </div>
            ))}
          </div>
        ) : null}
        {query.trim() && results.hasNextPage && !error ? (
          <div className="flex justify-center py-2">
            <LoadMoreButton pages={results} className="" />
          </div>
        ) : null}
      </div>
      <p
        aria-hidden="true"
        className="hidden border-t border-border px-4 py-1.5 text-xs text-muted md:block"
      >
        <Code>↑</Code> <Code>↓</Code> to move · <Code>Enter</Code> to open · <Code>Esc</Code> to
        close
      </p>
    </dialog>
  );
}

function Code({ children }: { children: string }) {
  return <code className="rounded bg-code px-1 font-mono text-[0.95em] text-fg">{children}</code>;
}

function HitOption({
  id,
  hit,
  selected,
  resolve,
  onChoose,
  onHover,
}: {
  id: string;
  hit: Hit;
  selected: boolean;
  resolve: (userId: string) => string | undefined;
  onChoose: () => void;
  onHover: () => void;
}) {
  const { message } = hit;
  const segments = highlightSegments(message.body, hit.highlights, resolve);
  return (
    // Focus stays in the search box (aria-activedescendant); the keyboard reaches hits from there.
    // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox handles the keys for its options
    <div
      id={id}
      role="option"
      tabIndex={-1}
      aria-selected={selected}
      onClick={onChoose}
      onMouseMove={selected ? undefined : onHover}
      className={`cursor-pointer rounded-md px-3 py-2 ${selected ? "bg-hover shadow-[inset_3px_0_0_var(--accent)]" : ""}`}
    >
      <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
        <span className="font-semibold">{message.author.name}</span>
        <time dateTime={message.createdAt} className="text-xs text-muted">
          {formatTime(message.createdAt, "short")}
        </time>
        {message.parentId ? <span className="text-xs text-muted">in a thread</span> : null}
      </div>
      <p className="line-clamp-3 text-sm break-words">
        {segments.map((segment, index) =>
          segment.marked ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: segments of one body never reorder
            <mark key={index} className="rounded-sm bg-mention px-0.5 font-semibold text-fg">
              {segment.text}
            </mark>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: segments of one body never reorder
            <span key={index}>{segment.text}</span>
          ),
        )}
      </p>
    </div>
  );
}
