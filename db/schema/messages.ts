/**
 * Messages and everything that changes them. A message belongs to exactly one
 * channel or conversation (CHECK) at a gapless `sequence` (unique per
 * target). Every create, edit, delete and reaction is also recorded in
 * `message_events` at a gapless per-target `revision`, so "everything after
 * position P" is one indexed range read.
 */
import { type SQL, sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  boolean,
  check,
  customType,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { channels, conversations } from "./channels";
import { users } from "./users";

/** PostgreSQL's full-text document type; kept by the database from the body. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** At most this many files go with one message. */
export const MAX_FILES_PER_MESSAGE = 10;

/** The text search configuration of message bodies (stemming: "deploys" finds "deploy"). */
export const SEARCH_CONFIG = "english";

/** What search's has:link looks for in a body (a POSIX regular expression, case ignored). */
export const LINK_PATTERN = "(https?://|www\\.)";

export const messages = pgTable(
  "messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    channelId: uuid("channel_id").references(() => channels.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id").references(() => conversations.id, {
      onDelete: "cascade",
    }),
    sequence: integer("sequence").notNull(),
    /** The revision of the latest change to this message; lets clients drop stale updates. */
    revision: integer("revision").notNull(),
    // Messages are history: an account with messages cannot be deleted out from under them.
    authorId: uuid("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    body: text("body").notNull(),
    clientMessageId: uuid("client_message_id").notNull(),
    /** The thread's root, for a reply. A reply takes its channel's next sequence like any message. */
    parentId: uuid("parent_id").references((): AnyPgColumn => messages.id, {
      onDelete: "set null",
    }),
    /** A reply also shown in the channel's timeline (and counted in its unread). */
    alsoInChannel: boolean("also_in_channel").notNull().default(false),
    /** For a root: its replies that are not deleted, and when the last one came. */
    replyCount: integer("reply_count").notNull().default(0),
    lastReplyAt: timestamp("last_reply_at", { withTimezone: true }),
    /** Files attached (message_files); a message with files may have an empty body. */
    fileCount: smallint("file_count").notNull().default(0),
    pinnedAt: timestamp("pinned_at", { withTimezone: true }),
    pinnedBy: uuid("pinned_by").references((): AnyPgColumn => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    editedAt: timestamp("edited_at", { withTimezone: true }),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    deletedBy: uuid("deleted_by").references(() => users.id, { onDelete: "set null" }),
    // Stemmed words (so "deploys" finds "deploy") and the words as written (so
    // the word being typed matches as a prefix: "deploym" finds "deployment").
    searchVector: tsvector("search_vector").generatedAlwaysAs(
      (): SQL =>
        sql`to_tsvector(${sql.raw(`'${SEARCH_CONFIG}'`)}, ${messages.body}) || to_tsvector('simple', ${messages.body})`,
    ),
  },
  (t) => [
    check("messages_one_target_ck", sql`num_nonnulls(${t.channelId}, ${t.conversationId}) = 1`),
    check("messages_sequence_ck", sql`${t.sequence} > 0 AND ${t.revision} > 0`),
    check(
      "messages_body_ck",
      sql`(${t.deletedAt} IS NULL AND (char_length(${t.body}) BETWEEN 1 AND 4000 OR (${t.body} = '' AND ${t.fileCount} > 0))) OR (${t.deletedAt} IS NOT NULL AND ${t.body} = '')`,
    ),
    check(
      "messages_file_count_ck",
      sql`${t.fileCount} >= 0 AND ${t.fileCount} <= ${sql.raw(String(MAX_FILES_PER_MESSAGE))}`,
    ),
    // History reads and unread counts are range scans on these.
    uniqueIndex("messages_channel_sequence_uq")
      .on(t.channelId, t.sequence)
      .where(sql`${t.channelId} IS NOT NULL`),
    uniqueIndex("messages_conversation_sequence_uq")
      .on(t.conversationId, t.sequence)
      .where(sql`${t.conversationId} IS NOT NULL`),
    uniqueIndex("messages_author_client_id_uq").on(t.authorId, t.clientMessageId),
    index("messages_parent_idx").on(t.parentId, t.sequence).where(sql`${t.parentId} IS NOT NULL`),
    check(
      "messages_thread_ck",
      sql`(${t.parentId} IS NOT NULL OR NOT ${t.alsoInChannel}) AND ${t.replyCount} >= 0`,
    ),
    index("messages_search_idx").using("gin", t.searchVector),
    // Search keeps the newest matches: for a common word, walking this index
    // from the end and stopping at the 500th match reads a few thousand rows
    // where the GIN index would fetch every match (docs/performance.md);
    // PostgreSQL still picks the GIN index for rare words.
    index("messages_created_idx").on(t.createdAt),
    // has:link with words: only the few percent of messages with a link are
    // in it, so their matches are found without reading every message that
    // has the words and testing its body (docs/performance.md). The search
    // must name the same expression for PostgreSQL to use it.
    index("messages_link_search_idx")
      .using("gin", t.searchVector)
      .where(sql`${t.body} ~* ${sql.raw(`'${LINK_PATTERN}'`)}`),
    index("messages_pinned_channel_idx")
      .on(t.channelId, t.pinnedAt)
      .where(sql`${t.pinnedAt} IS NOT NULL`),
    index("messages_pinned_conversation_idx")
      .on(t.conversationId, t.pinnedAt)
      .where(sql`${t.pinnedAt} IS NOT NULL`),
    // Recent direct messages, for notification mails (channel sends do not pay for it).
    index("messages_conversation_created_idx")
      .on(t.createdAt)
      .where(sql`${t.conversationId} IS NOT NULL`),
  ],
);

/**
 * Threads people follow: the root's author, everyone who replied or was
 * mentioned in a reply, and whoever chose to. Each follower has a read
 * position in the thread (a sequence of its channel or conversation), so
 * thread unread counts are as exact as channel ones.
 */
export const threadFollows = pgTable(
  "thread_follows",
  {
    rootId: uuid("root_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    following: boolean("following").notNull().default(true),
    lastReadSequence: integer("last_read_sequence").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.rootId, t.userId] }),
    index("thread_follows_user_idx").on(t.userId).where(sql`${t.following}`),
  ],
);

export const messageEventKind = pgEnum("message_event_kind", [
  "message.created",
  "message.updated",
  "message.deleted",
  "reaction.added",
  "reaction.removed",
]);

export const messageEvents = pgTable(
  "message_events",
  {
    channelId: uuid("channel_id").references(() => channels.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id").references(() => conversations.id, {
      onDelete: "cascade",
    }),
    revision: integer("revision").notNull(),
    kind: messageEventKind("kind").notNull(),
    // No foreign key: events go with their channel or conversation, and a
    // per-message cascade check would need another index on this hot table.
    messageId: uuid("message_id").notNull(),
    actorId: uuid("actor_id").notNull(),
    /** The emoji of reaction events. */
    emoji: text("emoji"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      "message_events_one_target_ck",
      sql`num_nonnulls(${t.channelId}, ${t.conversationId}) = 1`,
    ),
    check("message_events_revision_ck", sql`${t.revision} > 0`),
    uniqueIndex("message_events_channel_revision_uq")
      .on(t.channelId, t.revision)
      .where(sql`${t.channelId} IS NOT NULL`),
    uniqueIndex("message_events_conversation_revision_uq")
      .on(t.conversationId, t.revision)
      .where(sql`${t.conversationId} IS NOT NULL`),
  ],
);

export const reactions = pgTable(
  "reactions",
  {
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    emoji: text("emoji").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** The reacted-to message's author, so "reactions to my messages" is one index range. */
    messageAuthorId: uuid("message_author_id").references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.emoji, t.userId] }),
    check("reactions_emoji_ck", sql`char_length(${t.emoji}) BETWEEN 1 AND 32`),
    index("reactions_message_author_idx").on(t.messageAuthorId, t.createdAt),
  ],
);

/** Who a message mentions, denormalised with its place so mention counts are index range scans. */
export const mentions = pgTable(
  "mentions",
  {
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id"),
    conversationId: uuid("conversation_id"),
    sequence: integer("sequence").notNull(),
    /** When the mention was made, for notification mails. */
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.userId] }),
    index("mentions_created_idx").on(t.createdAt),
    check("mentions_one_target_ck", sql`num_nonnulls(${t.channelId}, ${t.conversationId}) = 1`),
    index("mentions_user_channel_idx")
      .on(t.userId, t.channelId, t.sequence)
      .where(sql`${t.channelId} IS NOT NULL`),
    index("mentions_user_conversation_idx")
      .on(t.userId, t.conversationId, t.sequence)
      .where(sql`${t.conversationId} IS NOT NULL`),
  ],
);

export type Message = typeof messages.$inferSelect;
export type MessageEventKind = (typeof messageEventKind.enumValues)[number];
