/**
 * The one stream a browser tab holds: the sidebar of a workspace as
 * absolute values (every channel and conversation with its unread and
 * mention counts, who is online) and, when the tab has a channel or
 * conversation open, that target's changes and who is typing in it.
 *
 * On (re)connect the sidebar comes as a full snapshot, so a resumed tab is
 * simply current again; after that, items are re-read and sent whole when
 * something touches them, coalesced so a busy channel costs one query per
 * tab per flush. The open target's changes are tracked by position exactly
 * as in message.onEvent, so the tab's lastEventId resumes them.
 */
import { loadWorkspaceAccess } from "@/server/access";
import { type ChannelListItem, listChannels } from "@/server/channels/service";
import { type ConversationListItem, listConversations } from "@/server/conversations/service";
import type { Target } from "@/server/messages/types";
import { bus, topics } from "./bus";
import type { SidebarChange, TargetStreamEvent } from "./events";
import { type PresenceChange, presence } from "./presence";
import { AsyncQueue } from "./queue";
import { currentRevision } from "./replay";
import { followTarget, type StreamIdentity, watchAccess } from "./streams";
import { type Typist, watchTyping } from "./typing";

const FLUSH_MS = 250;

export type WorkspaceStreamEvent =
  | TargetStreamEvent
  | {
      type: "sidebar.snapshot";
      channels: ChannelListItem[];
      conversations: ConversationListItem[];
      online: string[];
    }
  | { type: "sidebar.channel"; channel: ChannelListItem }
  | { type: "sidebar.channelRemoved"; channelId: string }
  | { type: "sidebar.conversation"; conversation: ConversationListItem }
  | { type: "presence"; userId: string; online: boolean }
  | { type: "typing"; channelId: string | null; conversationId: string | null; typists: Typist[] };

type Item =
  | { kind: "target"; position: number; event: TargetStreamEvent }
  | { kind: "event"; event: WorkspaceStreamEvent }
  | { kind: "closed"; reason: string };

async function workspaceAccessLost(identity: StreamIdentity, workspaceId: string) {
  if (!(await loadWorkspaceAccess(identity.db, identity.userId, workspaceId))) {
    return "You are no longer a member of this workspace.";
  }
  return null;
}

/** Keeps listeners on the topics of the targets a user belongs to, so their counts stay current. */
class TargetTopics {
  private readonly subscriptions = new Map<string, () => void>();
  constructor(private readonly onChange: (target: Target) => void) {}

  sync(channels: ChannelListItem[], conversations: ConversationListItem[]) {
    const wanted = new Map<string, Target>();
    for (const channel of channels) {
      if (channel.isMember)
        wanted.set(topics.target("channel", channel.id), { kind: "channel", id: channel.id });
    }
    for (const conversation of conversations) {
      wanted.set(topics.target("conversation", conversation.id), {
        kind: "conversation",
        id: conversation.id,
      });
    }
    for (const [topic, unsubscribe] of this.subscriptions) {
      if (!wanted.has(topic)) {
        unsubscribe();
        this.subscriptions.delete(topic);
      }
    }
    for (const [topic, target] of wanted) {
      if (!this.subscriptions.has(topic))
        this.subscriptions.set(
          topic,
          bus().subscribe(topic, () => this.onChange(target)),
        );
    }
  }

  add(target: Target, member: boolean) {
    const topic = topics.target(target.kind, target.id);
    if (member && !this.subscriptions.has(topic)) {
      this.subscriptions.set(
        topic,
        bus().subscribe(topic, () => this.onChange(target)),
      );
    } else if (!member) {
      this.subscriptions.get(topic)?.();
      this.subscriptions.delete(topic);
    }
  }

  /** Resolves once rings for every subscribed target reach this instance. */
  async ready() {
    await Promise.all([...this.subscriptions.keys()].map((topic) => bus().whenSubscribed(topic)));
  }

  close() {
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }
}

export async function* followWorkspace(
  identity: StreamIdentity,
  workspaceId: string,
  open: Target | null,
  after: number | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<{ position: number; event: WorkspaceStreamEvent }> {
  const { db, userId } = identity;
  const queue = new AsyncQueue<Item>();
  const stream = new AbortController();
  const stop = () => {
    stream.abort();
    queue.close();
  };
  signal?.addEventListener("abort", stop, { once: true });

  const dirtyChannels = new Set<string>();
  const dirtyConversations = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  // What this tab was last sent of each item, so unchanged items are not sent again.
  const knownChannels = new Map<string, string>();
  const knownConversations = new Map<string, string>();
  const markDirty = (target: Target) => {
    (target.kind === "channel" ? dirtyChannels : dirtyConversations).add(target.id);
    flushTimer ??= setTimeout(() => void flush(), FLUSH_MS);
  };
  const targetTopics = new TargetTopics(markDirty);

  const flush = async () => {
    flushTimer = undefined;
    const channelIds = [...dirtyChannels];
    const conversationIds = [...dirtyConversations];
    dirtyChannels.clear();
    dirtyConversations.clear();
    try {
      if (channelIds.length > 0) {
        const channels = await listChannels(db, userId, workspaceId, channelIds);
        const visible = new Set(channels.map((channel) => channel.id));
        for (const channel of channels) {
          targetTopics.add({ kind: "channel", id: channel.id }, channel.isMember);
          const json = JSON.stringify(channel);
          if (knownChannels.get(channel.id) === json) continue;
          knownChannels.set(channel.id, json);
          queue.push({ kind: "event", event: { type: "sidebar.channel", channel } });
        }
        for (const id of channelIds) {
          if (!visible.has(id) && knownChannels.delete(id)) {
            targetTopics.add({ kind: "channel", id }, false);
            queue.push({ kind: "event", event: { type: "sidebar.channelRemoved", channelId: id } });
          }
        }
      }
      if (conversationIds.length > 0) {
        for (const conversation of await listConversations(
          db,
          userId,
          workspaceId,
          conversationIds,
        )) {
          targetTopics.add({ kind: "conversation", id: conversation.id }, true);
          const json = JSON.stringify(conversation);
          if (knownConversations.get(conversation.id) === json) continue;
          knownConversations.set(conversation.id, json);
          queue.push({ kind: "event", event: { type: "sidebar.conversation", conversation } });
        }
      }
    } catch (error) {
      // Retried with the next change; the next reconnect sends a full snapshot anyway.
      console.error("sidebar refresh failed:", (error as Error).message);
    }
  };

  const snapshot = async () => {
    const [channels, conversations, online] = await Promise.all([
      listChannels(db, userId, workspaceId),
      listConversations(db, userId, workspaceId),
      presence().online(workspaceId),
    ]);
    knownChannels.clear();
    for (const channel of channels) knownChannels.set(channel.id, JSON.stringify(channel));
    knownConversations.clear();
    for (const item of conversations) knownConversations.set(item.id, JSON.stringify(item));
    targetTopics.sync(channels, conversations);
    return { type: "sidebar.snapshot" as const, channels, conversations, online };
  };

  const onSidebarChange = (change: SidebarChange | PresenceChange | { type: string }) => {
    if (change.type === "presence") {
      const { userId: who, online } = change as PresenceChange;
      queue.push({ kind: "event", event: { type: "presence", userId: who, online } });
    } else if (change.type === "sidebar.changed") {
      const { channelIds = [], conversationIds = [] } = change as SidebarChange;
      for (const id of channelIds) markDirty({ kind: "channel", id });
      for (const id of conversationIds) markDirty({ kind: "conversation", id });
    } else if (change.type === "access.changed") {
      void snapshot().then(
        (event) => queue.push({ kind: "event", event }),
        () => {},
      );
    }
  };

  const unsubscribers = [
    bus().subscribe(topics.workspace(workspaceId), onSidebarChange),
    bus().subscribe(topics.user(userId), onSidebarChange),
  ];
  // Access to the open target is watched by followTarget itself.
  const stopWatching = watchAccess(
    identity,
    () => workspaceAccessLost(identity, workspaceId),
    (reason) => queue.push({ kind: "closed", reason }),
  );
  const typing = open
    ? watchTyping(open, (typists) =>
        queue.push({
          kind: "event",
          event: {
            type: "typing",
            channelId: open.kind === "channel" ? open.id : null,
            conversationId: open.kind === "conversation" ? open.id : null,
            typists,
          },
        }),
      )
    : undefined;

  try {
    if (signal?.aborted) return;
    // Without a lastEventId the tab starts from the open target's present, so
    // even the snapshot carries a position a reconnect can resume from.
    const start = open ? (after ?? (await currentRevision(db, open)) ?? 0) : 0;
    let position = start;
    await presence().enter(workspaceId, userId);
    try {
      const first = await snapshot();
      yield { position, event: first };
      // The snapshot was read before its targets' topics were listened to: read
      // the items once more when they are, so a change in between is not missed.
      void targetTopics.ready().then(() => {
        for (const channel of first.channels)
          if (channel.isMember) markDirty({ kind: "channel", id: channel.id });
        for (const conversation of first.conversations)
          markDirty({ kind: "conversation", id: conversation.id });
      });
      if (open) {
        // The open target's changes arrive through the same queue, in order, from followTarget.
        void (async () => {
          try {
            for await (const item of followTarget(identity, open, start, stream.signal)) {
              queue.push({ kind: "target", ...item });
              if (item.event.type === "stream.closed")
                queue.push({ kind: "closed", reason: item.event.reason });
            }
          } catch (error) {
            queue.push({
              kind: "closed",
              reason: `The stream failed: ${(error as Error).message}`,
            });
          }
        })();
      }
      for (let item = await queue.next(); item; item = await queue.next()) {
        if (item.kind === "closed") {
          yield { position, event: { type: "stream.closed", reason: item.reason } };
          return;
        }
        if (item.kind === "target") {
          if (item.event.type === "stream.closed") continue;
          position = item.position;
          yield { position, event: item.event };
        } else {
          yield { position, event: item.event };
        }
      }
    } finally {
      await presence()
        .leave(workspaceId, userId)
        .catch(() => {});
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    stream.abort();
    clearTimeout(flushTimer);
    typing?.stop();
    stopWatching();
    for (const unsubscribe of unsubscribers) unsubscribe();
    targetTopics.close();
    queue.close();
  }
}
