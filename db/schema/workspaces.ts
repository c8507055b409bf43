/** Workspaces (the tenants), their members with roles, and invite links. */
import { sql } from "drizzle-orm";
import {
  bigint,
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

export const workspaceRole = pgEnum("workspace_role", ["owner", "admin", "member"]);

export const workspaces = pgTable(
  "workspaces",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    // A workspace outlives the account that created it.
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * Bytes of its files (uploads in progress included), moved in the
     * transaction that adds or removes a file, so the quota check is one
     * conditional UPDATE.
     */
    storageBytes: bigint("storage_bytes", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    uniqueIndex("workspaces_slug_uq").on(t.slug),
    check("workspaces_storage_ck", sql`${t.storageBytes} >= 0`),
  ],
);

export const workspaceMembers = pgTable(
  "workspace_members",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: workspaceRole("role").notNull().default("member"),
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
    /** Activity (mentions, replies, reactions) after this is unread. */
    activityReadAt: timestamp("activity_read_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    index("workspace_members_user_idx").on(t.userId),
  ],
);

export const workspaceInvites = pgTable(
  "workspace_invites",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Null: unlimited uses until it expires. */
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("workspace_invites_code_uq").on(t.code),
    index("workspace_invites_workspace_idx").on(t.workspaceId),
    check(
      "workspace_invites_uses_ck",
      sql`${t.uses} >= 0 AND (${t.maxUses} IS NULL OR ${t.uses} <= ${t.maxUses})`,
    ),
  ],
);

/**
 * Invitations by email: an admin names an address, and whoever holds the
 * account with that address (now or after signing up) accepts or declines.
 * Nobody becomes a member without accepting, and the inviter learns nothing
 * about whether the address has an account. One row per workspace and
 * address; inviting again renews it.
 */
export const workspaceInvitations = pgTable(
  "workspace_invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** Lower-cased, as users.email is stored. */
    email: text("email").notNull(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    declinedAt: timestamp("declined_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /**
     * SHA-256 of the secret in the mailed link. Whoever opens that link read
     * the invited address's mail, so accepting with it proves the address.
     */
    tokenHash: text("token_hash"),
  },
  (t) => [
    uniqueIndex("workspace_invitations_workspace_email_uq").on(t.workspaceId, t.email),
    uniqueIndex("workspace_invitations_token_uq").on(t.tokenHash),
    index("workspace_invitations_email_idx").on(t.email),
    check("workspace_invitations_email_ck", sql`${t.email} = lower(${t.email})`),
  ],
);

export type Workspace = typeof workspaces.$inferSelect;
export type WorkspaceRole = (typeof workspaceRole.enumValues)[number];
