/**
 * Uploaded files and what they are attached to. A file belongs to one
 * workspace and is uploaded by one person; its bytes live in storage
 * (server/files/storage.ts) under `storage_key`. It is attached to at most
 * one message — `message_files.file_id` is the primary key, so attaching a
 * file a second time is refused by PostgreSQL itself — and is readable by
 * exactly the people who can read that message.
 *
 * Lifecycle: created when an upload starts (`stored_at` null while the bytes
 * are on their way), stored once the bytes are checked (type sniffed, size
 * known, thumbnail made), attached by a send, and marked `deleted_at` when
 * its message is deleted or it was never attached for a day; a sweep then
 * removes the bytes and the row.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { MAX_FILES_PER_MESSAGE, messages } from "./messages";
import { users } from "./users";
import { workspaces } from "./workspaces";

export const files = pgTable(
  "files",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    // A message's files stay with it when their uploader's account goes.
    uploaderId: uuid("uploader_id").references(() => users.id, { onDelete: "set null" }),
    /** The name it was uploaded with, without any folder part. */
    name: text("name").notNull(),
    /** The media type sniffed from the bytes, never the name's or the uploader's word. */
    type: text("type").notNull(),
    /** In bytes: declared when the upload starts, the stored size once stored. */
    size: bigint("size", { mode: "number" }).notNull(),
    /** For images: the pixel size, upright (EXIF orientation applied). */
    width: integer("width"),
    height: integer("height"),
    storageKey: text("storage_key").notNull(),
    thumbnailKey: text("thumbnail_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the bytes were checked and stored; null while the upload is in progress. */
    storedAt: timestamp("stored_at", { withTimezone: true }),
    /** When it was marked for removal (its message deleted, or never attached). */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("files_storage_key_uq").on(t.storageKey),
    index("files_workspace_idx").on(t.workspaceId),
    index("files_created_idx").on(t.createdAt),
    index("files_deleted_idx").on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
    check("files_name_ck", sql`char_length(${t.name}) BETWEEN 1 AND 255`),
    check("files_type_ck", sql`char_length(${t.type}) BETWEEN 1 AND 255`),
    check("files_size_ck", sql`${t.size} > 0`),
    check(
      "files_dimensions_ck",
      sql`(${t.width} IS NULL) = (${t.height} IS NULL) AND (${t.width} IS NULL OR (${t.width} > 0 AND ${t.height} > 0))`,
    ),
    check(
      "files_thumbnail_ck",
      sql`${t.thumbnailKey} IS NULL OR (${t.storedAt} IS NOT NULL AND ${t.width} IS NOT NULL)`,
    ),
  ],
);

/**
 * Which message a file is attached to, and where among its files. The file
 * is the key: a file attached twice is a primary-key violation.
 */
export const messageFiles = pgTable(
  "message_files",
  {
    fileId: uuid("file_id")
      .notNull()
      .references(() => files.id, { onDelete: "cascade" }),
    messageId: uuid("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    position: smallint("position").notNull(),
    attachedAt: timestamp("attached_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "message_files_pkey", columns: [t.fileId] }),
    uniqueIndex("message_files_message_position_uq").on(t.messageId, t.position),
    check(
      "message_files_position_ck",
      sql`${t.position} >= 0 AND ${t.position} < ${sql.raw(String(MAX_FILES_PER_MESSAGE))}`,
    ),
  ],
);

export type StoredFile = typeof files.$inferSelect;
