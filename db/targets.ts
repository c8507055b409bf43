/**
 * Where a Target (lib/target.ts) is stored: its table, its members table,
 * and the column that names it in the tables that hang off either kind
 * (messages, message_events, mentions, members). Raw SQL takes these
 * instead of spelling table and column names.
 */
import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Target, TargetKind } from "@/lib/target";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  mentions,
  messageEvents,
  messages,
} from "./schema";

/** A column's bare name (`"channel_id"`), for SQL where a qualified name does not fit. */
export const col = (column: AnyPgColumn): SQL => sql`${sql.identifier(column.name)}`;

/** `alias.column`, for SQL with table aliases. */
export const aliased = (alias: string, column: AnyPgColumn): SQL =>
  sql`${sql.identifier(alias)}.${col(column)}`;

export function storageOf(of: Target | TargetKind) {
  return (typeof of === "string" ? of : of.kind) === "channel"
    ? {
        table: channels,
        id: channels.id,
        lastSequence: channels.lastSequence,
        lastRevision: channels.lastRevision,
        members: channelMembers,
        memberTarget: channelMembers.channelId,
        memberUser: channelMembers.userId,
        lastReadSequence: channelMembers.lastReadSequence,
        messageTarget: messages.channelId,
        eventTarget: messageEvents.channelId,
        mentionTarget: mentions.channelId,
      }
    : {
        table: conversations,
        id: conversations.id,
        lastSequence: conversations.lastSequence,
        lastRevision: conversations.lastRevision,
        members: conversationMembers,
        memberTarget: conversationMembers.conversationId,
        memberUser: conversationMembers.userId,
        lastReadSequence: conversationMembers.lastReadSequence,
        messageTarget: messages.conversationId,
        eventTarget: messageEvents.conversationId,
        mentionTarget: mentions.conversationId,
      };
}
