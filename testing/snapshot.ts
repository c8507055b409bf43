/**
 * A fingerprint of everything that belongs to some workspaces and people, per
 * table (row count and a digest of the rows), so a test can show that a call
 * changed nothing. Scoped rather than whole-table because test files share
 * one database and run in parallel.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "@/db/client";

export interface Scope {
  workspaceIds: string[];
  userIds: string[];
  /** Also counts users whose email matches this LIKE pattern (sign-ups under test). */
  emailLike?: string;
}

export type Snapshot = Record<string, { rows: number; digest: string }>;

export async function snapshot(db: Db, scope: Scope): Promise<Snapshot> {
  const users = sql`${sql.param(scope.userIds)}::uuid[]`;
  const workspaces = sql`${sql.param(scope.workspaceIds)}::uuid[]`;
  const channels = sql`(SELECT id FROM channels WHERE workspace_id = ANY(${workspaces}))`;
  const conversations = sql`(SELECT id FROM conversations WHERE workspace_id = ANY(${workspaces}))`;
  const messages = sql`(SELECT id FROM messages WHERE channel_id IN ${channels} OR conversation_id IN ${conversations})`;
  const inTargets = sql`channel_id IN ${channels} OR conversation_id IN ${conversations}`;
  // [table, row expression, condition]; api_tokens leaves out last_used_at, which using a token sets.
  const tables: [string, SQL, SQL][] = [
    [
      "users",
      sql`t::text`,
      scope.emailLike
        ? sql`id = ANY(${users}) OR email LIKE ${scope.emailLike}`
        : sql`id = ANY(${users})`,
    ],
    [
      "api_tokens",
      sql`(t.id, t.user_id, t.name, t.token_hash, t.prefix, t.created_at, t.revoked_at)::text`,
      sql`user_id = ANY(${users})`,
    ],
    ["workspaces", sql`t::text`, sql`id = ANY(${workspaces}) OR created_by = ANY(${users})`],
    [
      "workspace_members",
      sql`t::text`,
      sql`workspace_id = ANY(${workspaces}) OR user_id = ANY(${users})`,
    ],
    [
      "workspace_invites",
      sql`t::text`,
      sql`workspace_id = ANY(${workspaces}) OR created_by = ANY(${users})`,
    ],
    [
      "channels",
      sql`t::text`,
      sql`workspace_id = ANY(${workspaces}) OR created_by = ANY(${users})`,
    ],
    ["channel_members", sql`t::text`, sql`channel_id IN ${channels} OR user_id = ANY(${users})`],
    [
      "conversations",
      sql`t::text`,
      sql`workspace_id = ANY(${workspaces}) OR created_by = ANY(${users})`,
    ],
    [
      "conversation_members",
      sql`t::text`,
      sql`conversation_id IN ${conversations} OR user_id = ANY(${users})`,
    ],
    ["messages", sql`t::text`, sql`${inTargets} OR author_id = ANY(${users})`],
    ["message_events", sql`t::text`, sql`${inTargets} OR actor_id = ANY(${users})`],
    ["reactions", sql`t::text`, sql`message_id IN ${messages} OR user_id = ANY(${users})`],
    ["mentions", sql`t::text`, sql`message_id IN ${messages} OR user_id = ANY(${users})`],
    ["files", sql`t::text`, sql`workspace_id = ANY(${workspaces}) OR uploader_id = ANY(${users})`],
    ["message_files", sql`t::text`, sql`message_id IN ${messages}`],
    ["email_tokens", sql`t::text`, sql`user_id = ANY(${users})`],
    ["notification_mails", sql`t::text`, sql`user_id = ANY(${users})`],
    [
      "workspace_invitations",
      sql`t::text`,
      sql`workspace_id = ANY(${workspaces}) OR invited_by = ANY(${users})`,
    ],
  ];
  const parts = tables.map(
    ([table, row, where]) => sql`
      SELECT ${table} AS name, count(*)::int AS rows,
             coalesce(md5(string_agg(${row}, '|' ORDER BY ${row})), '') AS digest
        FROM ${sql.raw(table)} t WHERE ${where}`,
  );
  const result = await db.execute<{ name: string; rows: number; digest: string }>(
    sql.join(parts, sql` UNION ALL `),
  );
  return Object.fromEntries(
    result.rows.map((row) => [row.name, { rows: row.rows, digest: row.digest }]),
  );
}
