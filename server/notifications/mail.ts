/**
 * Notification mails: mentions and direct messages for people who are not
 * connected, batched.
 *
 * Rules kept here:
 * - Only what would notify in the app: mentions in channels and
 *   conversations, and every message of a conversation at level "all"
 *   (the default there); nothing from a place that is muted or at "none",
 *   nothing already read, nothing deleted, nothing of one's own.
 * - Only for people with no open stream on any instance (presence, in every
 *   workspace they are in), once an item has waited EMAIL_NOTIFY_IDLE_MINUTES,
 *   and for at most a day: older items are not news any more.
 * - At most one mail per person per EMAIL_NOTIFY_MINUTES; each mail covers
 *   everything new up to its newest item (`covered_until`), so nothing is
 *   mailed twice. The bookkeeping is written before the mail goes: a mail
 *   server failure loses a mail rather than doubling one.
 * - One instance at a time: the run holds a transaction-scoped advisory lock.
 * - With EMAIL_VERIFICATION=required, only to confirmed addresses.
 *
 * It reads the recent mentions (`mentions_created_idx`) and recent direct
 * messages (`messages_conversation_created_idx`), so the send statement
 * pays nothing for it.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { parseRows } from "@/db/rows";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  mentions,
  messages,
  notificationMails,
  users,
  workspaceMembers,
} from "@/db/schema";
import { env } from "@/lib/env";
import { BROADCAST, MENTION } from "@/lib/mentions";
import { errorResponse } from "@/server/http";
import { log } from "@/server/log";
import { publicOrigin, unsubscribeLink, unsubscribeSignatureHolds } from "@/server/mail/links";
import { deliver } from "@/server/mail/send";
import { type NotificationItem, notificationMail } from "@/server/mail/templates";
import { presence } from "@/server/realtime/presence";

/** Items older than this are not mailed at all. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Items listed in one mail (the rest are counted). */
const ITEMS_PER_MAIL = 20;
const MAX_ROWS = 5000;
// "mail" in ASCII: the advisory lock one instance holds while it mails.
const LOCK = 0x6d61696c;

const ZItemRow = z.object({
  recipient: z.string(),
  kind: z.enum(["mention", "direct"]),
  id: z.string(),
  created_at: z.union([z.date(), z.string()]).transform((value) => new Date(value)),
  sequence: z.coerce.number(),
  channel_id: z.string().nullable(),
  conversation_id: z.string().nullable(),
  parent_id: z.string().nullable(),
  body: z.string(),
  file_count: z.coerce.number(),
  email: z.string(),
  recipient_name: z.string(),
  author_name: z.string(),
  workspace_id: z.string(),
  channel_name: z.string().nullable(),
});
type ItemRow = z.infer<typeof ZItemRow>;

function itemsQuery(now: Date) {
  const config = env();
  const since = new Date(now.getTime() - MAX_AGE_MS).toISOString();
  const idleBefore = new Date(
    now.getTime() - config.EMAIL_NOTIFY_IDLE_MINUTES * 60_000,
  ).toISOString();
  const sentBefore = new Date(now.getTime() - config.EMAIL_NOTIFY_MINUTES * 60_000).toISOString();
  const columns = sql`msg.id, msg.created_at, msg.sequence, msg.channel_id, msg.conversation_id,
                      msg.parent_id, msg.author_id, msg.body, msg.file_count`;
  const fresh = (column: string) =>
    sql`${sql.raw(column)} > ${since}::timestamptz AND ${sql.raw(column)} <= ${idleBefore}::timestamptz`;
  return sql`
    WITH items AS (
      SELECT mn.user_id AS recipient, 'mention' AS kind, ${columns}
        FROM ${mentions} AS mn
        JOIN ${messages} AS msg ON msg.id = mn.message_id
        JOIN ${channelMembers} AS cm ON cm.channel_id = mn.channel_id AND cm.user_id = mn.user_id
       WHERE mn.channel_id IS NOT NULL AND ${fresh("mn.created_at")}
         AND mn.sequence > cm.last_read_sequence AND NOT cm.muted
         AND coalesce(cm.notify::text, 'mentions') <> 'none'
      UNION ALL
      SELECT mn.user_id, 'mention', ${columns}
        FROM ${mentions} AS mn
        JOIN ${messages} AS msg ON msg.id = mn.message_id
        JOIN ${conversationMembers} AS cm ON cm.conversation_id = mn.conversation_id AND cm.user_id = mn.user_id
       WHERE mn.conversation_id IS NOT NULL AND ${fresh("mn.created_at")}
         AND mn.sequence > cm.last_read_sequence AND NOT cm.muted
         AND coalesce(cm.notify::text, 'all') <> 'none'
      UNION ALL
      SELECT cm.user_id, 'direct', ${columns}
        FROM ${messages} AS msg
        JOIN ${conversationMembers} AS cm ON cm.conversation_id = msg.conversation_id AND cm.user_id <> msg.author_id
       WHERE msg.conversation_id IS NOT NULL AND ${fresh("msg.created_at")}
         AND msg.sequence > cm.last_read_sequence AND NOT cm.muted
         AND coalesce(cm.notify::text, 'all') = 'all'
    )
    SELECT DISTINCT ON (i.recipient, i.id)
           i.recipient, i.kind, i.id, i.created_at, i.sequence, i.channel_id, i.conversation_id,
           i.parent_id, i.body, i.file_count, u.email, u.name AS recipient_name, a.name AS author_name,
           coalesce(ch.workspace_id, cv.workspace_id) AS workspace_id, ch.name AS channel_name
      FROM items AS i
      JOIN ${messages} AS m ON m.id = i.id AND m.deleted_at IS NULL
      JOIN ${users} AS u ON u.id = i.recipient
      JOIN ${users} AS a ON a.id = i.author_id
      LEFT JOIN ${channels} AS ch ON ch.id = i.channel_id
      LEFT JOIN ${conversations} AS cv ON cv.id = i.conversation_id
      LEFT JOIN ${notificationMails} AS st ON st.user_id = i.recipient
     WHERE i.author_id <> i.recipient
       AND coalesce(st.enabled, true)
       AND (st.last_sent_at IS NULL OR st.last_sent_at <= ${sentBefore}::timestamptz)
       AND i.created_at > coalesce(st.covered_until, '-infinity'::timestamptz)
       ${config.emailVerification ? sql`AND u.email_verified IS NOT NULL` : sql``}
       AND EXISTS (SELECT 1 FROM ${workspaceMembers} AS wm
                    WHERE wm.user_id = i.recipient AND wm.workspace_id = coalesce(ch.workspace_id, cv.workspace_id))
     ORDER BY i.recipient, i.id, i.kind
     LIMIT ${MAX_ROWS}`;
}

/** Whether someone has an open stream in any workspace they are in. */
async function connectedPeople(db: Db, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.execute(sql`
    SELECT DISTINCT workspace_id FROM ${workspaceMembers} WHERE user_id = ANY(${sql.param(userIds)}::uuid[])`);
  const connected = new Set<string>();
  for (const row of parseRows(rows, z.object({ workspace_id: z.string() }))) {
    for (const userId of await presence().online(row.workspace_id)) connected.add(userId);
  }
  return connected;
}

/** Message text for a mail: mentions as names, on one line, shortened. */
function snippet(row: ItemRow, names: Map<string, string>): string {
  const text = row.body
    .replace(
      new RegExp(MENTION.source, "gi"),
      (_token, id: string) => `@${names.get(id.toLowerCase()) ?? "someone"}`,
    )
    .replace(new RegExp(BROADCAST.source, "g"), (_token, which: string) => `@${which}`)
    .replace(/\s+/g, " ")
    .trim();
  const short =
    Array.from(text).length > 200 ? `${Array.from(text).slice(0, 199).join("")}…` : text;
  if (short) return short;
  return row.file_count === 1 ? "(a file)" : `(${row.file_count} files)`;
}

async function mentionedNames(db: Db, rows: ItemRow[]): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const row of rows)
    for (const match of row.body.matchAll(new RegExp(MENTION.source, "gi")))
      if (match[1]) ids.add(match[1].toLowerCase());
  if (ids.size === 0) return new Map();
  const result = await db.execute(
    sql`SELECT id, name FROM ${users} WHERE id = ANY(${sql.param([...ids])}::uuid[])`,
  );
  return new Map(
    parseRows(result, z.object({ id: z.string(), name: z.string() })).map((r) => [r.id, r.name]),
  );
}

function permalink(origin: string, row: ItemRow): string {
  const place = row.channel_id
    ? `c/${row.channel_id}/${row.sequence}`
    : `d/${row.conversation_id}/${row.sequence}`;
  return `${origin}/w/${row.workspace_id}/${place}${row.parent_id ? `?thread=${row.parent_id}` : ""}`;
}

export interface MailRun {
  /** Whom a mail went to. */
  mailed: string[];
  /** The deliveries (for tests to wait on). */
  deliveries: Promise<void>[];
}

/** One run: every person due a notification mail gets one. Returns who. */
export async function sendNotificationMails(db: Db, now = new Date()): Promise<MailRun> {
  const run: MailRun = { mailed: [], deliveries: [] };
  if (env().EMAIL_NOTIFICATIONS === "off") return run;
  await db.transaction(async (tx) => {
    const locked = await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${LOCK}) AS locked`);
    if (!(locked.rows[0] as { locked?: boolean } | undefined)?.locked) return;
    const rows = parseRows(await tx.execute(itemsQuery(now)), ZItemRow);
    if (rows.length === 0) return;
    const byRecipient = new Map<string, ItemRow[]>();
    for (const row of rows)
      byRecipient.set(row.recipient, [...(byRecipient.get(row.recipient) ?? []), row]);
    const connected = await connectedPeople(tx, [...byRecipient.keys()]);
    const names = await mentionedNames(tx, rows);
    const origin = publicOrigin();
    for (const [recipient, items] of byRecipient) {
      if (connected.has(recipient)) continue;
      items.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
      const newest = items.at(-1) as ItemRow;
      // The newest item's time as stored (microseconds, which a JS Date would round away).
      await tx.execute(sql`
        INSERT INTO ${notificationMails} (user_id, last_sent_at, covered_until)
        SELECT ${recipient}, ${now.toISOString()}::timestamptz, created_at FROM ${messages} WHERE id = ${newest.id}
        ON CONFLICT (user_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at,
          covered_until = GREATEST(${notificationMails}.covered_until, EXCLUDED.covered_until)`);
      const listed: NotificationItem[] = items.slice(-ITEMS_PER_MAIL).map((row) => ({
        kind: row.kind,
        place: row.channel_name ? `#${row.channel_name}` : "a direct message",
        author: row.author_name,
        snippet: snippet(row, names),
        link: permalink(origin, row),
      }));
      const first = items[0] as ItemRow;
      run.mailed.push(recipient);
      run.deliveries.push(
        deliver(
          notificationMail(
            first.email,
            first.recipient_name,
            listed,
            items.length - listed.length,
            unsubscribeLink(origin, recipient),
          ),
        ),
      );
    }
  });
  if (run.mailed.length > 0) log().info({ mails: run.mailed.length }, "notification mails sent");
  return run;
}

/** Turns someone's notification mails on or off. */
export async function setNotificationMails(db: Db, userId: string, enabled: boolean) {
  await db
    .insert(notificationMails)
    .values({ userId, enabled })
    .onConflictDoUpdate({ target: notificationMails.userId, set: { enabled } });
  return { enabled };
}

/** Whether someone gets notification mails (the default: yes). */
export async function notificationMailsEnabled(db: Db, userId: string): Promise<boolean> {
  const result = await db.execute(
    sql`SELECT enabled FROM ${notificationMails} WHERE user_id = ${userId}`,
  );
  const [row] = parseRows(result, z.object({ enabled: z.boolean() }));
  return row?.enabled ?? true;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * POST /api/unsubscribe?u=<userId>&t=<signature>: the signed link of a mail is
 * the credential (no cookie), so mail programs' one-click unsubscribe
 * (RFC 8058) works too.
 */
export async function unsubscribeRequest(request: Request, db: Db): Promise<Response> {
  const url = new URL(request.url);
  const userId = url.searchParams.get("u") ?? "";
  const signature = url.searchParams.get("t") ?? "";
  if (!UUID.test(userId) || !unsubscribeSignatureHolds(userId, signature))
    return errorResponse(400, "BAD_REQUEST", "This unsubscribe link is not valid.");
  await setNotificationMails(db, userId, false);
  // A form in the page follows the redirect; a mail program reads the status.
  return new Response(null, {
    status: 303,
    headers: { Location: `/unsubscribe?done=1&u=${userId}&t=${encodeURIComponent(signature)}` },
  });
}
