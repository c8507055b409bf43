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

export type ConnectionState =
  | "connecting"
  | "live"
  | "reconnecting"
  | "caught-up"
  | "offline"
  | "closed";

export interface Timeline {
  target: Target;
  /**
   * A contiguous run of messages, ascending by sequence. Thread replies are
   * in it too (they take the channel's numbers); the list shows only what
   * belongs in the timeline.
   */
  messages: Message[];
  /** True until the first page of history has arrived. */
  loading: boolean;
  hasOlder: boolean;
  /** Messages after the last one held exist (the window is not at the newest). */
  hasNewer: boolean;
  /** Read position when the timeline opened: where the "new messages" line goes. */
  readAtOpen: number;
  /** The newest sequence known to exist. */
  newestSequence: number;
  /** Where the list starts: the first unread or a linked message (null: the bottom). */
  anchor: number | null;
  /** A linked message to show highlighted. */
  highlight: number | null;
}

/** The open thread of the open channel or conversation. */
export interface ThreadState {
  rootId: string;
  root: Message | null;
  /** Replies from the first on, ascending. */
  replies: Message[];
  loading: boolean;
  /** More replies follow the last one held. */
  hasMore: boolean;
  following: boolean;
  /** The read position in the thread when it opened: where its "new replies" line goes. */
  readAtOpen: number;
  error: string | null;
}

/** History as a page hands it over: a window, and where to start reading. */
export interface InitialHistory {
  messages: Message[];
  hasOlder: boolean;
  hasNewer: boolean;
  readAt: number;
  anchor: number | null;
  highlight: number | null;
}

/** A message as its thread's root after a change to one of its replies: the event's summary is absolute. */
export function withThread(root: Message, thread: StreamThread): Message {
  return {
    ...root,
    replyCount: thread.replyCount,
    lastReplyAt: thread.lastReplyAt,
    replyUsers: thread.replyUsers,
  };
}

type StreamThread = {
  rootId: string;
  replyCount: number;
  lastReplyAt: string | null;
  replyUsers: { id: string; name: string }[];
};

export interface ChatState {
  channels: ChannelItem[];
  conversations: ConversationItem[];
  online: ReadonlySet<string>;
  connection: ConnectionState;
  closedReason: string | null;
  typing: Typist[];
  timeline: Timeline | null;
  thread: ThreadState | null;
  /** Followed threads with unread replies, and how many replies. */
  threads: { unreadThreads: number; unreadReplies: number };
  activityUnread: number;
  /** Names and statuses changed since the page loaded, by user id. */
  profiles: ReadonlyMap<string, { name: string; status: string; avatarUrl: string | null }>;
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
      thread: null,
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

  /** Opens a channel or conversation (null: none) with the history its page rendered. */
  open(target: Target | null, history?: InitialHistory) {
    if (!target) {
      this.set({ timeline: null, thread: null, typing: [] });
      return;
    }
    const item =
      target.kind === "channel"
        ? this.state.channels.find((c) => c.id === target.id)
        : this.state.conversations.find((c) => c.id === target.id);
    const same = sameTarget(this.state.timeline?.target, target);
    const messages = history?.messages ?? [];
    this.set({
      typing: same ? this.state.typing : [],
      thread: same ? this.state.thread : null,
      timeline: {
        target,
        messages,
        loading: !history,
        hasOlder: history?.hasOlder ?? false,
        hasNewer: history?.hasNewer ?? false,
        readAtOpen: history?.readAt ?? item?.lastReadSequence ?? 0,
        newestSequence: Math.max(item?.lastSequence ?? 0, messages.at(-1)?.sequence ?? 0),
        anchor: history?.anchor ?? null,
        highlight: history?.highlight ?? null,
      },
    });
  }

  private isOpen(ids: { channelId: string | null; conversationId: string | null }) {
    const open = this.state.timeline?.target;
    return Boolean(open && isIn(ids, open));
  }

  /**
   * Puts messages into the open timeline where they belong: a message inside
   * the held run replaces an older revision of itself; a page before or after
   * the run extends it; anything that would leave a hole is not held (it is
   * loaded with its page). `hasOlder`/`hasNewer` say where the new ends are.
   */
  mergeMessages(
    target: Target,
    incoming: Message[],
    ends: { hasOlder?: boolean; hasNewer?: boolean } = {},
  ) {
    const timeline = this.state.timeline;
    if (!timeline || !sameTarget(timeline.target, target)) return;
    const bySequence = new Map(timeline.messages.map((message) => [message.sequence, message]));
    let first = timeline.messages[0]?.sequence;
    let last = timeline.messages.at(-1)?.sequence;
    const sorted = [...incoming].sort((a, b) => a.sequence - b.sequence);
    // Extend backwards from the first held message.
    for (const message of [...sorted].reverse()) {
      if (first === undefined || message.sequence === first - 1) {
        bySequence.set(message.sequence, message);
        first = message.sequence;
        last ??= message.sequence;
      }
    }
    for (const message of sorted) {
      const held = bySequence.get(message.sequence);
      if (held) {
        if (held.revision < message.revision) bySequence.set(message.sequence, message);
      } else if (last !== undefined && message.sequence === last + 1 && !timeline.hasNewer) {
        bySequence.set(message.sequence, message);
        last = message.sequence;
      } else if (
        last !== undefined &&
        message.sequence === last + 1 &&
        ends.hasNewer !== undefined
      ) {
        // A page of newer history (not a live message beyond a window).
        bySequence.set(message.sequence, message);
        last = message.sequence;
      }
    }
    const messages = [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
    const newest = messages.at(-1)?.sequence ?? 0;
    const beyond = incoming.some((message) => message.sequence > newest);
    this.setTimeline({
      messages,
      loading: false,
      hasOlder: ends.hasOlder ?? timeline.hasOlder,
      hasNewer: ends.hasNewer ?? (timeline.hasNewer || beyond),
      newestSequence: Math.max(timeline.newestSequence, ...incoming.map((m) => m.sequence), newest),
    });
    this.mergeIntoThread(incoming);
  }

  /** The reading window goes back to the newest page (Jump to latest from a window back in history). */
  resetToLatest(target: Target, page: Message[], hasOlder: boolean) {
    const timeline = this.state.timeline;
    if (!timeline || !sameTarget(timeline.target, target)) return;
    this.setTimeline({
      messages: [...page].sort((a, b) => a.sequence - b.sequence),
      hasOlder,
      hasNewer: false,
      anchor: null,
      highlight: null,
      newestSequence: Math.max(timeline.newestSequence, page.at(-1)?.sequence ?? 0),
    });
  }

  /** The anchor and highlight have done their work once the list showed them. */
  clearAnchor() {
    if (this.state.timeline?.anchor !== null) this.setTimeline({ anchor: null });
  }

  // Threads

  /** Opens a thread of the open target: empty until loaded. */
  openThread(rootId: string | null) {
    if (!rootId) {
      if (this.state.thread) this.set({ thread: null });
      return;
    }
    if (this.state.thread?.rootId === rootId) return;
    const root = this.state.timeline?.messages.find((message) => message.id === rootId) ?? null;
    this.set({
      thread: {
        rootId,
        root,
        replies: [],
        loading: true,
        hasMore: false,
        following: false,
        readAtOpen: 0,
        error: null,
      },
    });
  }

  /** A loaded page of the open thread (`first`: the thread as the server gave it). */
  threadLoaded(
    rootId: string,
    page: {
      root: Message;
      replies: Message[];
      hasMore: boolean;
      following?: boolean;
      lastReadSequence?: number;
    },
  ) {
    const thread = this.state.thread;
    if (!thread || thread.rootId !== rootId) return;
    const byId = new Map(thread.replies.map((reply) => [reply.id, reply]));
    for (const reply of page.replies) {
      const held = byId.get(reply.id);
      if (!held || held.revision < reply.revision) byId.set(reply.id, reply);
    }
    this.set({
      thread: {
        ...thread,
        root: thread.root && thread.root.revision > page.root.revision ? thread.root : page.root,
        replies: [...byId.values()].sort((a, b) => a.sequence - b.sequence),
        loading: false,
        hasMore: page.hasMore,
        following: page.following ?? thread.following,
        readAtOpen: thread.loading ? (page.lastReadSequence ?? 0) : thread.readAtOpen,
        error: null,
      },
    });
  }

  threadFailed(rootId: string, error: string) {
    const thread = this.state.thread;
    if (thread?.rootId === rootId) this.set({ thread: { ...thread, loading: false, error } });
  }

  setFollowing(rootId: string, following: boolean) {
    const thread = this.state.thread;
    if (thread?.rootId === rootId) this.set({ thread: { ...thread, following } });
  }

  /** Replies and roots that arrived (live, or sent here) go into the open thread. */
  private mergeIntoThread(incoming: Message[]) {
    const thread = this.state.thread;
    if (!thread) return;
    let { root, replies } = thread;
    let changed = false;
    for (const message of incoming) {
      if (message.id === thread.rootId && (!root || root.revision <= message.revision)) {
        root = message;
        changed = true;
      } else if (message.parentId === thread.rootId) {
        const index = replies.findIndex((reply) => reply.id === message.id);
        if (index >= 0) {
          if ((replies[index] as Message).revision < message.revision) {
            replies = replies.map((reply, i) => (i === index ? message : reply));
            changed = true;
          }
        } else if (!thread.hasMore) {
          replies = [...replies, message].sort((a, b) => a.sequence - b.sequence);
          changed = true;
        }
      }
    }
    if (changed) this.set({ thread: { ...thread, root, replies } });
  }

  /** A reply's event carries its root's summary (counts, repliers): every copy of the root takes it. */
  private applyThreadSummary(thread: StreamThread) {
    const timeline = this.state.timeline;
    if (timeline) {
      const index = timeline.messages.findIndex((message) => message.id === thread.rootId);
      if (index >= 0) {
        const messages = [...timeline.messages];
        messages[index] = withThread(messages[index] as Message, thread);
        this.setTimeline({ messages });
      }
    }
    const open = this.state.thread;
    if (open?.rootId === thread.rootId && open.root)
      this.set({ thread: { ...open, root: withThread(open.root, thread) } });
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
        profiles.set(event.member.id, {
          name: event.member.name,
          status: event.member.status,
          avatarUrl: event.member.avatarUrl,
        });
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
        if (!this.isOpen(event)) return;
        this.mergeMessages(targetOf(event), [event.message]);
        if (event.thread) this.applyThreadSummary(event.thread);
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

  /** The browser says the network is gone; the stream resumes when it is back. */
  offline() {
    if (this.state.connection === "closed") return;
    this.reconnecting = true;
    this.set({ connection: "offline" });
  }
}

export function useChat<T>(store: ChatStore, select: (state: ChatState) => T): T {
  return useSyncExternalStore(
    store.subscribe,
    () => select(store.getState()),
    () => select(store.getState()),
  );
}
