"use client";
/**
 * The state of one workspace tab: the sidebar (kept current by the tab
 * stream's absolute values), who is online, and the open channel or
 * conversation's timeline. Events are applied by upserting messages by
 * sequence and ignoring any older than the revision already held, so
 * replays and overlaps between history and the live stream never double a
 * message. React reads it through useSyncExternalStore.
 */
import { useSyncExternalStore } from "react";
import { isIn, sameTarget, type Target, targetOf } from "@/lib/target";
import type { Typist } from "@/server/realtime/events";
import type { ChannelItem, ConversationItem, Message, StreamEvent } from "./types";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "caught-up" | "closed";

export interface Timeline {
  target: Target;
  /** Contiguous run of messages, ascending by sequence. */
  messages: Message[];
  /** True until the first page of history has arrived. */
  loading: boolean;
  hasOlder: boolean;
  /** Read position when the timeline opened: where the "new messages" divider goes. */
  readAtOpen: number;
  /** Set once messages after the newest one shown may exist unseen (list window moved). */
  newestSequence: number;
}

export interface ChatState {
  channels: ChannelItem[];
  conversations: ConversationItem[];
  online: ReadonlySet<string>;
  connection: ConnectionState;
  closedReason: string | null;
  typing: Typist[];
  timeline: Timeline | null;
  /** Followed threads with unread replies, and how many replies. */
  threads: { unreadThreads: number; unreadReplies: number };
  activityUnread: number;
  /** Names and statuses changed since the page loaded, by user id. */
  profiles: ReadonlyMap<string, { name: string; status: string }>;
}

const byName = (a: ChannelItem, b: ChannelItem) => a.name.localeCompare(b.name);
const byActivity = (a: ConversationItem, b: ConversationItem) =>
  (b.lastMessageAt ?? "").localeCompare(a.lastMessageAt ?? "");

export class ChatStore {
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  private reconnecting = false;
  private caughtUpTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(initial: { channels: ChannelItem[]; conversations: ConversationItem[] }) {
    this.state = {
      channels: [...initial.channels].sort(byName),
      conversations: [...initial.conversations].sort(byActivity),
      online: new Set(),
      connection: "connecting",
      closedReason: null,
      typing: [],
      timeline: null,
      threads: { unreadThreads: 0, unreadReplies: 0 },
      activityUnread: 0,
      profiles: new Map(),
    };
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = () => this.state;

  private set(patch: Partial<ChatState>) {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private setTimeline(patch: Partial<Timeline>) {
    if (!this.state.timeline) return;
    this.set({ timeline: { ...this.state.timeline, ...patch } });
  }

  /** Opens a channel or conversation: an empty timeline until history arrives. */
  open(target: Target | null) {
    if (sameTarget(this.state.timeline?.target, target)) return;
    if (!target) {
      this.set({ timeline: null, typing: [] });
      return;
    }
    const item =
      target.kind === "channel"
        ? this.state.channels.find((c) => c.id === target.id)
        : this.state.conversations.find((c) => c.id === target.id);
    this.set({
      typing: [],
      timeline: {
        target,
        messages: [],
        loading: true,
        hasOlder: false,
        readAtOpen: item?.lastReadSequence ?? 0,
        newestSequence: item?.lastSequence ?? 0,
      },
    });
  }

  private isOpen(ids: { channelId: string | null; conversationId: string | null }) {
    const open = this.state.timeline?.target;
    return Boolean(open && isIn(ids, open));
  }

  /** Merges messages into the open timeline, keeping it contiguous, ascending and at the newest revisions. */
  mergeMessages(
    target: Target,
    incoming: Message[],
    options: { older?: boolean; hasOlder?: boolean } = {},
  ) {
    const timeline = this.state.timeline;
    if (!timeline || !sameTarget(timeline.target, target)) return;
    const bySequence = new Map(timeline.messages.map((message) => [message.sequence, message]));
    for (const message of incoming) {
      const held = bySequence.get(message.sequence);
      if (!held || held.revision < message.revision) bySequence.set(message.sequence, message);
    }
    const sequences = [...bySequence.keys()].sort((a, b) => a - b);
    // Keep the run that ends at the newest message contiguous; a hole means an older page is still missing.
    let start = sequences.length - 1;
    while (start > 0 && (sequences[start - 1] as number) === (sequences[start] as number) - 1)
      start--;
    const messages = sequences
      .slice(Math.max(start, 0))
      .map((sequence) => bySequence.get(sequence) as Message);
    const newest = messages.at(-1)?.sequence ?? 0;
    this.setTimeline({
      messages,
      loading: false,
      hasOlder:
        options.hasOlder ?? (options.older ? timeline.hasOlder : (messages[0]?.sequence ?? 1) > 1),
      newestSequence: Math.max(timeline.newestSequence, newest),
    });
  }

  setHasOlder(hasOlder: boolean) {
    this.setTimeline({ hasOlder });
  }

  apply(event: StreamEvent) {
    switch (event.type) {
      case "sidebar.snapshot":
        this.set({
          channels: [...event.channels].sort(byName),
          conversations: [...event.conversations].sort(byActivity),
          online: new Set(event.online),
          threads: event.threads,
          activityUnread: event.activityUnread,
        });
        return;
      case "sidebar.threads":
        this.set({ threads: event.threads });
        return;
      case "sidebar.activity":
        this.set({ activityUnread: event.activityUnread });
        return;
      case "member": {
        const profiles = new Map(this.state.profiles);
        profiles.set(event.member.id, { name: event.member.name, status: event.member.status });
        this.set({ profiles });
        return;
      }
      case "sidebar.channel": {
        const others = this.state.channels.filter((c) => c.id !== event.channel.id);
        this.set({ channels: [...others, event.channel].sort(byName) });
        return;
      }
      case "sidebar.channelRemoved":
        this.set({ channels: this.state.channels.filter((c) => c.id !== event.channelId) });
        return;
      case "sidebar.conversation": {
        const others = this.state.conversations.filter((c) => c.id !== event.conversation.id);
        this.set({ conversations: [...others, event.conversation].sort(byActivity) });
        return;
      }
      case "presence": {
        const online = new Set(this.state.online);
        if (event.online) online.add(event.userId);
        else online.delete(event.userId);
        this.set({ online });
        return;
      }
      case "typing":
        if (this.isOpen(event)) this.set({ typing: event.typists });
        return;
      case "sync":
        if (this.reconnecting) {
          this.reconnecting = false;
          this.set({ connection: "caught-up" });
          clearTimeout(this.caughtUpTimer);
          this.caughtUpTimer = setTimeout(() => {
            if (this.state.connection === "caught-up") this.set({ connection: "live" });
          }, 4000);
        } else if (this.state.connection !== "caught-up") {
          this.set({ connection: "live" });
        }
        return;
      case "stream.closed":
        this.set({ connection: "closed", closedReason: event.reason });
        return;
      default: {
        const target = targetOf(event);
        if (!this.isOpen(event)) return;
        const timeline = this.state.timeline as Timeline;
        const newest = timeline.messages.at(-1)?.sequence ?? 0;
        // Changes to messages older than the loaded run are picked up when that page loads.
        if (event.message.sequence < (timeline.messages[0]?.sequence ?? 1) && !timeline.loading)
          return;
        if (timeline.loading || event.message.sequence <= newest + 1)
          this.mergeMessages(target, [event.message]);
        else
          this.setTimeline({
            newestSequence: Math.max(timeline.newestSequence, event.message.sequence),
          });
        if (
          event.type === "message.created" &&
          this.state.typing.some((t) => t.userId === event.actorId)
        ) {
          this.set({ typing: this.state.typing.filter((t) => t.userId !== event.actorId) });
        }
      }
    }
  }

  /** The stream's connection went down; it will resume on its own. */
  connectionLost() {
    if (this.state.connection === "closed") return;
    this.reconnecting = true;
    this.set({ connection: "reconnecting" });
  }

  connecting() {
    if (this.state.connection === "closed" || this.reconnecting) return;
    this.set({ connection: "connecting" });
  }
}

export function useChat<T>(store: ChatStore, select: (state: ChatState) => T): T {
  return useSyncExternalStore(
    store.subscribe,
    () => select(store.getState()),
    () => select(store.getState()),
  );
}
