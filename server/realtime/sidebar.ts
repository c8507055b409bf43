/**
 * One tab's sidebar, kept current as absolute values: a full snapshot on
 * (re)connect, then every channel or conversation that something touched,
 * re-read and sent whole. Touches come from the targets' own topics (new
 * messages change counts) and from sidebar rings on the user's and the
 * workspace's topics; they are coalesced, so a busy channel costs one query
 * per tab per flush, and an item is sent only when it differs from what the
 * tab was last sent.
 */
import type { Db } from "@/db/client";
import { broadcastsIn, mentionedUserIds } from "@/lib/mentions";
import { type Target, targetKey } from "@/lib/target";
import { activityUnread as activityUnreadCount } from "@/server/activity/read";
import { type ChannelListItem, listChannels } from "@/server/channels/read";
import { type ConversationListItem, listConversations } from "@/server/conversations/read";
import { threadTotals } from "@/server/threads/read";
import { topics } from "./bus";
import type { MessageEvent, SidebarChange } from "./events";
import { presence } from "./presence";
import { bus } from "./process-bus";

const FLUSH_MS = 250;

export interface ThreadTotals {
  unreadThreads: number;
  unreadReplies: number;
}

export type SidebarEvent =
  | {
      type: "sidebar.snapshot";
      channels: ChannelListItem[];
      conversations: ConversationListItem[];
      online: string[];
      threads: ThreadTotals;
      activityUnread: number;
    }
  | { type: "sidebar.channel"; channel: ChannelListItem }
  | { type: "sidebar.channelRemoved"; channelId: string }
  | { type: "sidebar.conversation"; conversation: ConversationListItem }
  | { type: "sidebar.threads"; threads: ThreadTotals }
  | { type: "sidebar.activity"; activityUnread: number };

/** Listens on the topics of the targets a user belongs to, so their counts stay current. */
class TargetTopics {
  private readonly subscriptions = new Map<string, () => void>();
  constructor(private readonly onChange: (target: Target, event: MessageEvent) => void) {}

  /** Listens on exactly these targets. */
  set(targets: Target[]) {
    const wanted = new Map(targets.map((target) => [targetKey(target), target]));
    for (const [key, unsubscribe] of this.subscriptions) {
      if (!wanted.has(key)) {
        unsubscribe();
        this.subscriptions.delete(key);
      }
    }
    for (const [key, target] of wanted) this.add(target, true, key);
  }

  /** Starts (member) or stops listening on one target. */
  add(target: Target, member: boolean, key = targetKey(target)) {
    if (member && !this.subscriptions.has(key)) {
      this.subscriptions.set(
        key,
        bus().subscribe(topics.target(target), (event) => this.onChange(target, event)),
      );
    } else if (!member) {
      this.subscriptions.get(key)?.();
      this.subscriptions.delete(key);
    }
  }

  /** Resolves once rings for every listened-to target reach this instance. */
  async ready(targets: Target[]) {
    await Promise.all(targets.map((target) => bus().whenSubscribed(topics.target(target))));
  }

  close() {
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }
}

export class SidebarTracker {
  private readonly dirty = {
    channel: new Set<string>(),
    conversation: new Set<string>(),
    threads: false,
    activity: false,
  };
  // What this tab was last sent of each item, so unchanged items are not sent again.
  private readonly known = {
    channel: new Map<string, string>(),
    conversation: new Map<string, string>(),
  };
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly targets = new TargetTopics((target, event) => {
    this.touch(target);
    if (this.concernsActivity(event)) this.touchTotals({ threads: true, activity: true });
  });
  private sent = { threads: "", activity: "" };

  constructor(
    private readonly db: Db,
    private readonly userId: string,
    private readonly workspaceId: string,
    private readonly emit: (event: SidebarEvent) => void,
  ) {}

  /** The whole sidebar now; afterwards, changes to every item in it are followed. */
  async snapshot(): Promise<SidebarEvent & { type: "sidebar.snapshot" }> {
    const [channels, conversations, online, threads, activityUnread] = await Promise.all([
      listChannels(this.db, this.userId, this.workspaceId),
      listConversations(this.db, this.userId, this.workspaceId),
      presence().online(this.workspaceId),
      threadTotals(this.db, this.userId, this.workspaceId),
      activityUnreadCount(this.db, this.userId, this.workspaceId),
    ]);
    this.sent = { threads: JSON.stringify(threads), activity: String(activityUnread) };
    this.known.channel.clear();
    for (const channel of channels) this.known.channel.set(channel.id, JSON.stringify(channel));
    this.known.conversation.clear();
    for (const item of conversations) this.known.conversation.set(item.id, JSON.stringify(item));
    const followed: Target[] = [
      ...channels.filter((c) => c.isMember).map((c) => ({ kind: "channel" as const, id: c.id })),
      ...conversations.map((c) => ({ kind: "conversation" as const, id: c.id })),
    ];
    this.targets.set(followed);
    // The snapshot was read before its targets' topics were listened to: read
    // the items once more when they are, so a change in between is not missed.
    void this.targets.ready(followed).then(() => {
      for (const target of followed) this.touch(target);
    });
    return { type: "sidebar.snapshot", channels, conversations, online, threads, activityUnread };
  }

  /** A sidebar ring: the items it names are re-read. */
  changed(change: SidebarChange) {
    for (const id of change.channelIds ?? []) this.touch({ kind: "channel", id });
    for (const id of change.conversationIds ?? []) this.touch({ kind: "conversation", id });
    this.touchTotals(change);
  }

  /** A reply (threads, activity), a mention of this person or a reaction to them (activity). */
  private concernsActivity(event: MessageEvent): boolean {
    if (event.message.parentId) return true;
    if (event.type === "reaction.added" || event.type === "reaction.removed")
      return event.message.author.id === this.userId;
    return (
      mentionedUserIds(event.message.body).includes(this.userId) ||
      broadcastsIn(event.message.body).size > 0
    );
  }

  private touchTotals(which: { threads?: boolean; activity?: boolean }) {
    if (!which.threads && !which.activity) return;
    this.dirty.threads ||= Boolean(which.threads);
    this.dirty.activity ||= Boolean(which.activity);
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private touch(target: Target) {
    this.dirty[target.kind].add(target.id);
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  private async flush() {
    this.flushTimer = undefined;
    const channelIds = [...this.dirty.channel];
    const conversationIds = [...this.dirty.conversation];
    const { threads, activity } = this.dirty;
    this.dirty.channel.clear();
    this.dirty.conversation.clear();
    this.dirty.threads = false;
    this.dirty.activity = false;
    try {
      if (channelIds.length > 0) await this.refreshChannels(channelIds);
      if (conversationIds.length > 0) await this.refreshConversations(conversationIds);
      if (threads) await this.refreshThreads();
      if (activity) await this.refreshActivity();
    } catch (error) {
      // Retried with the next change; the next reconnect sends a full snapshot anyway.
      console.error("sidebar refresh failed:", (error as Error).message);
    }
  }

  private async refreshChannels(ids: string[]) {
    const channels = await listChannels(this.db, this.userId, this.workspaceId, ids);
    const visible = new Set(channels.map((channel) => channel.id));
    for (const channel of channels) {
      this.targets.add({ kind: "channel", id: channel.id }, channel.isMember);
      if (this.remember("channel", channel.id, channel))
        this.emit({ type: "sidebar.channel", channel });
    }
    for (const id of ids) {
      if (!visible.has(id) && this.known.channel.delete(id)) {
        this.targets.add({ kind: "channel", id }, false);
        this.emit({ type: "sidebar.channelRemoved", channelId: id });
      }
    }
  }

  private async refreshConversations(ids: string[]) {
    for (const conversation of await listConversations(
      this.db,
      this.userId,
      this.workspaceId,
      ids,
    )) {
      this.targets.add({ kind: "conversation", id: conversation.id }, true);
      if (this.remember("conversation", conversation.id, conversation))
        this.emit({ type: "sidebar.conversation", conversation });
    }
  }

  private async refreshThreads() {
    const threads = await threadTotals(this.db, this.userId, this.workspaceId);
    const json = JSON.stringify(threads);
    if (json === this.sent.threads) return;
    this.sent.threads = json;
    this.emit({ type: "sidebar.threads", threads });
  }

  private async refreshActivity() {
    const activityUnread = await activityUnreadCount(this.db, this.userId, this.workspaceId);
    if (String(activityUnread) === this.sent.activity) return;
    this.sent.activity = String(activityUnread);
    this.emit({ type: "sidebar.activity", activityUnread });
  }

  /** Records what the tab is sent; false when it has exactly this already. */
  private remember(kind: Target["kind"], id: string, item: object): boolean {
    const json = JSON.stringify(item);
    if (this.known[kind].get(id) === json) return false;
    this.known[kind].set(id, json);
    return true;
  }

  close() {
    clearTimeout(this.flushTimer);
    this.targets.close();
  }
}
