/**
 * Channels and direct conversations: the two kinds of message targets. Each
 * carries two gapless counters bumped in the send and change transactions:
 * `last_sequence` (messages) and `last_revision` (every change, for resumable
 * event streams).
 */
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./users";
import { workspaces } from "./workspaces";

export const channelRole = pgEnum("channel_role", ["admin", "member"]);

/**
 * When someone is told about new messages in a channel or conversation:
 * every message, only mentions (and replies in threads they follow), or
 * never. Null: the default for the kind (channels: mentions; conversations: all).
 */
export const notifyLevel = pgEnum("notify_level", ["all", "mentions", "none"]);

/** Who may notify a whole channel with @channel or @here. */
export const broadcastPolicy = pgEnum("broadcast_policy", ["members", "admins"]);

export const channels = pgTable(
  "channels",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    topic: text("topic").notNull().default(""),
    isPrivate: boolean("is_private").notNull().default(false),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp("archived_at", { withTimezone: true }),
    broadcast: broadcastPolicy("broadcast").notNull().default("members"),
    lastSequence: integer("last_sequence").notNull().default(0),
    lastRevision: integer("last_revision").notNull().default(0),
  },
  (t) => [
    // Public names are unique in a workspace. A private channel's name is not
    // held against channels its members cannot see (server/channels/write.ts
    // refuses only names the creator can see), so a name taken by a private
    // channel never tells an outsider that it exists.
    uniqueIndex("channels_workspace_public_name_uq")
      .on(t.workspaceId, t.name)
      .where(sql`NOT ${t.isPrivate}`),
    index("channels_workspace_name_idx").on(t.workspaceId, t.name),
    check("channels_name_ck", sql`${t.name} ~ '^[a-z0-9_-]{1,80}$'`),
    check("channels_topic_ck", sql`char_length(${t.topic}) <= 250`),
    check(
      "channels_counters_ck",
      sql`${t.lastSequence} >= 0 AND ${t.lastRevision} >= ${t.lastSequence}`,
    ),
  ],
);

export const channelMembers = pgTable(
  "channel_members",
  {
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: channelRole("role").notNull().default("member"),
    lastReadSequence: integer("last_read_sequence").notNull().default(0),
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
    notify: notifyLevel("notify"),
    /** Muted: not bold, never notifies; counts stay exact. */
    muted: boolean("muted").notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.userId] }),
    index("channel_members_user_idx").on(t.userId),
  ],
);

export const conversations = pgTable(
  "conversations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** The members' ids, sorted and comma-joined: one set of people, one conversation. */
    memberKey: text("member_key").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSequence: integer("last_sequence").notNull().default(0),
    lastRevision: integer("last_revision").notNull().default(0),
  },
  (t) => [
    uniqueIndex("conversations_workspace_members_uq").on(t.workspaceId, t.memberKey),
    check(
      "conversations_counters_ck",
      sql`${t.lastSequence} >= 0 AND ${t.lastRevision} >= ${t.lastSequence}`,
    ),
  ],
);

export const conversationMembers = pgTable(
  "conversation_members",
  {
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lastReadSequence: integer("last_read_sequence").notNull().default(0),
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
    notify: notifyLevel("notify"),
    muted: boolean("muted").notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.userId] }),
    index("conversation_members_user_idx").on(t.userId),
  ],
);

export type Channel = typeof channels.$inferSelect;
export type Conversation = typeof conversations.$inferSelect;
export type ChannelRole = (typeof channelRole.enumValues)[number];
