"use client";
/**
 * What this browser keeps of the channels and conversations its person has
 * open, so that a reload without network — the service worker answering with
 * a page's last good copy (app/sw.js) — shows them as they were last seen,
 * not as that copy rendered them. The rules:
 *
 * - Per place, the newest MAX_MESSAGES messages of the open timeline while it
 *   shows the newest end (a contiguous run), at most MAX_PLACE_CHARS of JSON;
 *   at most MAX_PLACES places, the least recently kept dropped first.
 * - One person's copies at a time: when someone else opens a timeline here,
 *   the copies of the one before (kept messages and kept pages) are dropped
 *   first. All of them are forgotten where only a signed-out visitor can be
 *   (app/_components/offline-support.tsx calls forgetOfflineCopies).
 * - A page's history wins, except where what was kept is newer: a higher
 *   revision of a message, or messages after the page's newest. Then the page
 *   is older than what this browser already saw — a kept copy — and the
 *   timeline goes on to the kept messages; the live stream resumes from the
 *   page's position, so whatever came since is replayed on top. A page fresh
 *   from the server is never older than what was kept, so it stays as it is.
 */
import { useEffect } from "react";
import { type Target, targetKey } from "@/lib/target";
import type { ChatStore, InitialHistory, Timeline } from "./chat-store";
import type { Message } from "./types";

const MAX_MESSAGES = 50;
const MAX_PLACES = 10;
const MAX_PLACE_CHARS = 160_000;
/** Writes wait this long, so a busy channel is written once per pause, not per message. */
const SAVE_DELAY_MS = 1000;

const PREFIX = "sequent:offline:";
const OWNER_KEY = `${PREFIX}owner`;
const placeKey = (target: Target) => `${PREFIX}place:${targetKey(target)}`;
/** The service worker's caches of kept pages (their names carry its version). */
const PAGES_CACHE_PREFIX = "sequent-pages-";

interface KeptPlace {
  keptAt: number;
  messages: Message[];
}

function read<T>(key: string): T | null {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function ownKeys(): string[] {
  const keys: string[] = [];
  for (let i = 0; i < window.localStorage.length; i++) {
    const key = window.localStorage.key(i);
    if (key?.startsWith(PREFIX)) keys.push(key);
  }
  return keys;
}

/** Drops every kept message and every kept page of whoever used this browser. */
export async function forgetOfflineCopies(): Promise<void> {
  try {
    for (const key of ownKeys()) window.localStorage.removeItem(key);
  } catch {
    // Storage blocked: nothing was kept there either.
  }
  navigator.serviceWorker?.controller?.postMessage({ type: "forget" });
  if (typeof caches === "undefined") return;
  for (const name of await caches.keys())
    if (name.startsWith(PAGES_CACHE_PREFIX)) await caches.delete(name);
}

/** Makes `userId` the one whose copies this browser keeps, dropping anyone else's. */
async function claimFor(userId: string) {
  const owner = read<string>(OWNER_KEY);
  if (owner === userId) return;
  if (owner !== null) await forgetOfflineCopies();
  try {
    window.localStorage.setItem(OWNER_KEY, JSON.stringify(userId));
  } catch {
    // Storage blocked: nothing will be kept.
  }
}

function keepTimeline(timeline: Timeline) {
  if (timeline.loading || timeline.hasNewer || timeline.messages.length === 0) return;
  let messages = timeline.messages.slice(-MAX_MESSAGES);
  let json = JSON.stringify({ keptAt: Date.now(), messages } satisfies KeptPlace);
  while (json.length > MAX_PLACE_CHARS && messages.length > 1) {
    messages = messages.slice(Math.ceil(messages.length / 4));
    json = JSON.stringify({ keptAt: Date.now(), messages } satisfies KeptPlace);
  }
  const key = placeKey(timeline.target);
  try {
    window.localStorage.setItem(key, json);
  } catch {
    // Full: make room by dropping the other places, then try once more.
    for (const other of ownKeys()) if (other !== OWNER_KEY) window.localStorage.removeItem(other);
    try {
      window.localStorage.setItem(key, json);
    } catch {
      return;
    }
  }
  const places = ownKeys()
    .filter((other) => other !== OWNER_KEY)
    .map((other) => ({ key: other, keptAt: read<KeptPlace>(other)?.keptAt ?? 0 }))
    .sort((a, b) => b.keptAt - a.keptAt);
  for (const { key: old } of places.slice(MAX_PLACES)) window.localStorage.removeItem(old);
}

/**
 * A page's history with what was kept of its place folded in (see the rules
 * above). Pure, so it is tested on its own.
 */
export function mergeKept(history: InitialHistory, kept: Message[]): InitialHistory {
  if (kept.length === 0) return history;
  const bySequence = new Map(history.messages.map((message) => [message.sequence, message]));
  let changed = false;
  for (const message of kept) {
    const held = bySequence.get(message.sequence);
    if (held && held.revision < message.revision) {
      bySequence.set(message.sequence, message);
      changed = true;
    }
  }
  const pageNewest = history.messages.at(-1)?.sequence ?? 0;
  const keptFirst = (kept[0] as Message).sequence;
  const keptNewest = (kept.at(-1) as Message).sequence;
  const sorted = () => [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
  if (history.hasNewer || keptNewest <= pageNewest)
    return changed ? { ...history, messages: sorted() } : history;
  if (keptFirst > pageNewest + 1) {
    // A gap between the page and what was kept: the kept run alone, newest end.
    return {
      ...history,
      messages: kept,
      hasOlder: keptFirst > 1,
      hasNewer: false,
      anchor: null,
      highlight: null,
    };
  }
  for (const message of kept)
    if (message.sequence > pageNewest) bySequence.set(message.sequence, message);
  return { ...history, messages: sorted(), hasNewer: false, anchor: null };
}

/** The history to open a place with: the page's, with what this browser kept of it. */
export function withKeptHistory(
  userId: string,
  target: Target,
  history: InitialHistory,
): InitialHistory {
  if (read<string>(OWNER_KEY) !== userId) return history;
  const kept = read<KeptPlace>(placeKey(target));
  return kept ? mergeKept(history, kept.messages) : history;
}

/** Keeps the open timeline of `store` for `userId` as it changes (one write per pause). */
export function useKeptTimeline(store: ChatStore, userId: string) {
  useEffect(() => {
    let last: Timeline | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let claimed = false;
    void claimFor(userId).then(() => {
      claimed = true;
    });
    const save = () => {
      clearTimeout(timer);
      timer = undefined;
      const timeline = store.getState().timeline;
      if (!claimed || !timeline || timeline === last) return;
      last = timeline;
      keepTimeline(timeline);
    };
    const unsubscribe = store.subscribe(() => {
      if (timer === undefined && store.getState().timeline !== last)
        timer = setTimeout(save, SAVE_DELAY_MS);
    });
    window.addEventListener("pagehide", save);
    return () => {
      save();
      unsubscribe();
      window.removeEventListener("pagehide", save);
    };
  }, [store, userId]);
}
