/**
 * Message search: PostgreSQL full-text search over the messages a person can
 * read now (members of the channel or conversation; a removed member stops
 * finding them at once), deleted messages never, edits as they stand. Terms
 * use websearch_to_tsquery's syntax, the word being typed among them as a
 * prefix match; filters come from server/search/query.ts.
 *
 * Ranking: the 500 most recent matches are ranked by ts_rank_cd, then by
 * recency, so a common word stays fast on a large history. Highlights are
 * offsets into the body (from ts_headline with markers that bodies cannot
 * hold), never HTML.
 */
import { and, eq, gte, inArray, lt, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { parseRows } from "@/db/rows";
import {
  channelMembers,
  channels,
  conversationMembers,
  conversations,
  LINK_PATTERN,
  messages,
  SEARCH_CONFIG,
  users,
  workspaceMembers,
} from "@/db/schema";
import { decodeCursor, encodeCursor } from "@/server/cursors";
import { AppError } from "@/server/errors";
import { readMessages } from "@/server/messages/read";
import type { MessageView } from "@/server/messages/types";
import { isEmptySearch, parseSearch, type SearchQuery } from "./query";

const CANDIDATES = 500;
// Control characters cannot be in a stored body (server/schemas.ts), so they mark highlights safely.
const START = "\u0001";
const STOP = "\u0002";

export interface SearchHit {
  message: MessageView;
  /** Matched ranges of `message.body`, as [start, end) string offsets. */
  highlights: { start: number; end: number }[];
  channelName: string | null;
}

const config = sql.raw(`'${SEARCH_CONFIG}'::regconfig`);

/** Stands in for the word being typed while websearch_to_tsquery reads the terms; never typed by anyone. */
const PLACEHOLDER = "sqprefix0x7f3a";

/**
 * The full-text query: the terms, stemmed like the body's stemmed words, and
 * the word being typed, as a prefix of the body's words as written (the
 * search vector holds both; db/schema/messages.ts). The prefix takes the
 * typed word's place among the terms — websearch_to_tsquery reads a
 * placeholder there and ts_rewrite swaps the prefix in — so OR and
 * grouping apply to it as to any word: `lunch OR deploym` finds either.
 * `terms` and `prefix` alone mark the highlights, each under its own config.
 */
function tsqueries(query: SearchQuery): {
  matches: SQL | null;
  terms: SQL | null;
  prefix: SQL | null;
} {
  const terms = query.text ? sql`websearch_to_tsquery(${config}, ${query.text})` : null;
  // The prefix is letters and digits only (query.ts), so quoting it as a lexeme is safe.
  const prefix = query.prefix ? sql`to_tsquery('simple', ${`'${query.prefix}':*`})` : null;
  if (!prefix) return { matches: terms, terms, prefix };
  if (!terms) return { matches: prefix, terms, prefix };
  const matches = query.text.toLowerCase().includes(PLACEHOLDER)
    ? sql`(${terms} && ${prefix})`
    : sql`ts_rewrite(websearch_to_tsquery(${config}, ${`${query.text} ${PLACEHOLDER}`}),
                     websearch_to_tsquery(${config}, ${PLACEHOLDER}), ${prefix})`;
  return { matches, terms, prefix };
}

/** A headline of `body` with the matches of `query` marked, under `configuration`. */
const headline = (configuration: SQL, query: SQL | null) =>
  query
    ? sql`ts_headline(${configuration}, m.${sql.identifier(messages.body.name)}, ${query}, ${`StartSel=${START}, StopSel=${STOP}, HighlightAll=true`})`
    : sql`NULL`;

/** Members of the workspace that `@name` may mean: an email, its local part, a name, or a name's start. */
async function people(db: Db, workspaceId: string, names: string[]): Promise<string[][]> {
  return Promise.all(
    names.map(async (raw) => {
      const name = raw.toLowerCase();
      const compact = name.replace(/\s+/g, "");
      const rows = await db
        .select({ id: users.id })
        .from(workspaceMembers)
        .innerJoin(users, eq(users.id, workspaceMembers.userId))
        .where(
          and(
            eq(workspaceMembers.workspaceId, workspaceId),
            or(
              eq(sql`lower(${users.email})`, name),
              eq(sql`split_part(lower(${users.email}), '@', 1)`, name),
              eq(sql`replace(lower(${users.name}), ' ', '')`, compact),
              sql`lower(${users.name}) LIKE ${`${name.replace(/[\\%_]/g, "\\$&")}%`}`,
            ),
          ),
        )
        .limit(20);
      return rows.map((row) => row.id);
    }),
  );
}

const dayStart = (day: string) => sql`${`${day}T00:00:00Z`}::timestamptz`;
const dayEnd = (day: string) => sql`(${`${day}T00:00:00Z`}::timestamptz + interval '1 day')`;

/**
 * What a query's filters allow: the places to look in (queries of their ids:
 * channels, conversations, either absent) and the other conditions on
 * `messages`; null when a filter can match nothing.
 */
interface Scope {
  /** Ids when the query named the channels (so the planner sees them), else a query. */
  channels: string[] | SQL | null;
  conversations: SQL | null;
  conditions: SQL[];
}

async function filters(
  db: Db,
  userId: string,
  workspaceId: string,
  query: SearchQuery,
): Promise<Scope | null> {
  const conditions: SQL[] = [];
  // Channels I am in, of this workspace (named, when the query names them).
  const myChannels = db
    .select({ id: channelMembers.channelId })
    .from(channelMembers)
    .innerJoin(channels, eq(channels.id, channelMembers.channelId))
    .where(
      and(
        eq(channelMembers.userId, userId),
        eq(channels.workspaceId, workspaceId),
        query.inChannels.length > 0 ? inArray(channels.name, query.inChannels) : undefined,
      ),
    );
  // Channels named by in:# are looked up first, so the planner sees their ids
  // and, from the column's statistics, how many messages they hold: given a
  // subquery it guesses a few thousand, reads a channel of a million whole
  // and sorts it (docs/performance.md, search).
  const [fromPeople, inPeople, named] = await Promise.all([
    people(db, workspaceId, query.fromPeople),
    people(db, workspaceId, query.inPeople),
    query.inChannels.length > 0 ? myChannels.then((rows) => rows.map((row) => row.id)) : null,
  ]);
  // Several from: mean any of them, as several in:# do; in:@ means a conversation with all of them.
  const authors = [...new Set(fromPeople.flat())];
  if ((fromPeople.length > 0 && authors.length === 0) || inPeople.some((ids) => ids.length === 0))
    return null;
  if (named?.length === 0) return null;
  if (authors.length > 0) conditions.push(inArray(messages.authorId, authors));
  // Conversations I am in, of this workspace (with each person named, when the query names some).
  const withPeople = inPeople.map(
    (ids) =>
      sql`EXISTS (SELECT 1 FROM ${conversationMembers} AS other
                   WHERE other.${sql.identifier(conversationMembers.conversationId.name)} = ${conversationMembers.conversationId}
                     AND other.${sql.identifier(conversationMembers.userId.name)} = ANY(${sql.param(ids)}::uuid[]))`,
  );
  const myConversations = db
    .select({ id: conversationMembers.conversationId })
    .from(conversationMembers)
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(
      and(
        eq(conversationMembers.userId, userId),
        eq(conversations.workspaceId, workspaceId),
        ...withPeople,
      ),
    );
  const scope: Scope = {
    channels: inPeople.length === 0 ? (named ?? sql`${myChannels}`) : null,
    conversations: query.inChannels.length === 0 ? sql`${myConversations}` : null,
    conditions,
  };
  if (!scope.channels && !scope.conversations) return null;
  if (query.before) conditions.push(lt(messages.createdAt, dayStart(query.before)));
  if (query.after) conditions.push(gte(messages.createdAt, dayEnd(query.after)));
  if (query.on)
    conditions.push(
      gte(messages.createdAt, dayStart(query.on)),
      lt(messages.createdAt, dayEnd(query.on)),
    );
  // A literal, not a parameter, so the planner can match it to messages_link_search_idx's predicate.
  if (query.hasLink) conditions.push(sql`${messages.body} ~* ${sql.raw(`'${LINK_PATTERN}'`)}`);
  return scope;
}

/** Above this share of all messages matching its words, a search walks each place newest first. */
const WALK_ABOVE_SHARE = 0.01;

/** PostgreSQL's estimate, from the column's statistics, of the share of messages `matches` holds for. */
async function estimatedShare(db: Db, matches: SQL): Promise<number> {
  const plan = (query: SQL) =>
    db
      .execute(sql`EXPLAIN (FORMAT JSON) ${query}`)
      .then((result) =>
        parseRows(
          result,
          z.object({
            "QUERY PLAN": z.array(z.object({ Plan: z.object({ "Plan Rows": z.number() }) })),
          }),
        ),
      )
      .then((rows) => rows[0]?.["QUERY PLAN"][0]?.Plan["Plan Rows"] ?? 0);
  const [matching, all] = await Promise.all([
    plan(sql`SELECT 1 FROM ${messages} WHERE ${matches}`),
    plan(sql`SELECT 1 FROM ${messages}`),
  ]);
  return all > 0 ? matching / all : 0;
}

/** Where a result page continues: an offset into the ranked results. */
const ZSearchCursorSchema = z.object({ offset: z.number().int().min(0).max(CANDIDATES) });

/** Offsets of the marked ranges in a headline, and the text without its markers. */
export function highlightRanges(marked: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  let plain = 0;
  let start = -1;
  for (const char of marked) {
    if (char === START) start = plain;
    else if (char === STOP) {
      if (start >= 0 && plain > start) ranges.push({ start, end: plain });
      start = -1;
    } else plain += char.length;
  }
  return ranges;
}

/** Ranges in order, overlapping ones joined. */
function mergeRanges(ranges: { start: number; end: number }[]) {
  const merged: { start: number; end: number }[] = [];
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/**
 * How the newest matches are read: `walk` each place newest first, or use
 * the `index`es over all messages; `auto` picks by the words' frequency.
 * Results are the same either way (tests run both).
 */
export type SearchStrategy = "auto" | "walk" | "index";

export async function searchMessages(
  db: Db,
  userId: string,
  workspaceId: string,
  input: { query: string; cursor?: string; limit: number },
  strategy: SearchStrategy = "auto",
): Promise<{ hits: SearchHit[]; nextCursor: string | null }> {
  const query = parseSearch(input.query);
  if (isEmptySearch(query))
    throw new AppError(
      "BAD_REQUEST",
      "query: type words to look for, or a filter such as from:@name.",
    );
  const offset =
    input.cursor === undefined
      ? 0
      : decodeCursor(ZSearchCursorSchema, input.cursor, "search").offset;
  const scope = await filters(db, userId, workspaceId, query);
  if (!scope) return { hits: [], nextCursor: null };
  const { matches: tsquery, terms, prefix } = tsqueries(query);
  const rank = tsquery ? sql`ts_rank_cd(${messages.searchVector}, ${tsquery})` : sql`0`;
  const matches = tsquery ? sql`${messages.searchVector} @@ ${tsquery}` : sql`true`;
  const where = (place: SQL) =>
    sql`${place} AND ${matches} AND ${messages.deletedAt} IS NULL ${
      scope.conditions.length > 0 ? sql`AND ${and(...scope.conditions)}` : sql``
    }`;
  const row = sql`${messages.id} AS id, ${messages.createdAt} AS created_at, ${rank} AS rank`;
  // Two ways to the 500 newest matches. Words that many messages hold: walk
  // each of the person's places back from its newest message until its
  // 500th match (through the (place, sequence) index; the search index would
  // read every match), then keep the newest 500 of them all. Rarer words,
  // days (on:, before:, after:) and has:link: the search, time or link index
  // over all messages, as PostgreSQL judges. A walk over all messages newest first
  // would cross every newer message of other places and workspaces first
  // (docs/performance.md, search).
  const walk =
    strategy === "walk" ||
    (strategy === "auto" &&
      tsquery !== null &&
      !query.on &&
      !query.before &&
      !query.after &&
      !query.hasLink &&
      (await estimatedShare(db, matches)) >= WALK_ABOVE_SHARE);
  const newestIn = (places: string[] | SQL, column: SQLWrapper) => sql`
    SELECT hit.* FROM (${Array.isArray(places) ? sql`SELECT unnest(${sql.param(places)}::uuid[])` : places}) AS place(id) CROSS JOIN LATERAL (
      SELECT ${row} FROM ${messages} WHERE ${where(sql`${column} = place.id`)}
       ORDER BY ${messages.sequence} DESC LIMIT ${CANDIDATES}
    ) AS hit`;
  const placesCondition = or(
    scope.channels ? inArray(messages.channelId, scope.channels) : undefined,
    scope.conversations ? inArray(messages.conversationId, scope.conversations) : undefined,
  ) as SQL;
  const found = walk
    ? sql.join(
        [
          scope.channels && newestIn(scope.channels, messages.channelId),
          scope.conversations && newestIn(scope.conversations, messages.conversationId),
        ].filter((part): part is SQL => part !== null),
        sql` UNION ALL `,
      )
    : sql`SELECT ${row} FROM ${messages} WHERE ${where(placesCondition)}`;
  const statement = sql`
    WITH candidates AS (
      SELECT * FROM (${found}) AS found ORDER BY created_at DESC LIMIT ${CANDIDATES}
    )
    SELECT c.id, ${headline(config, terms)} AS terms_headline, ${headline(sql`'simple'::regconfig`, prefix)} AS prefix_headline
      FROM candidates c JOIN ${messages} AS m ON m.${sql.identifier(messages.id.name)} = c.id
     ORDER BY c.rank DESC, c.created_at DESC, c.id
    OFFSET ${offset} LIMIT ${input.limit + 1}`;
  // The walk must not fall back to the search index for any place. Set back
  // after, for a caller whose own transaction holds this one (a savepoint).
  const result = walk
    ? await db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL enable_bitmapscan = off`);
        const rows = await tx.execute(statement);
        await tx.execute(sql`SET LOCAL enable_bitmapscan TO DEFAULT`);
        return rows;
      })
    : await db.execute(statement);
  const rows = parseRows(
    result,
    z.object({
      id: z.string(),
      terms_headline: z.string().nullable(),
      prefix_headline: z.string().nullable(),
    }),
  );
  const page = rows.slice(0, input.limit);
  if (page.length === 0) return { hits: [], nextCursor: null };
  const [views, names] = await Promise.all([
    readMessages(
      db,
      inArray(
        messages.id,
        page.map((row) => row.id),
      ),
    ),
    db
      .select({ id: channels.id, name: channels.name })
      .from(channels)
      .innerJoin(messages, eq(messages.channelId, channels.id))
      .where(
        inArray(
          messages.id,
          page.map((row) => row.id),
        ),
      ),
  ]);
  const byId = new Map(views.map((view) => [view.id, view]));
  const channelNames = new Map(names.map((row) => [row.id, row.name]));
  const hits = page.flatMap((row): SearchHit[] => {
    const message = byId.get(row.id);
    if (!message) return [];
    return [
      {
        message,
        highlights: mergeRanges([
          ...highlightRanges(row.terms_headline ?? ""),
          ...highlightRanges(row.prefix_headline ?? ""),
        ]),
        channelName: message.channelId ? (channelNames.get(message.channelId) ?? null) : null,
      },
    ];
  });
  const next = offset + input.limit;
  return {
    hits,
    nextCursor:
      rows.length > input.limit && next < CANDIDATES ? encodeCursor({ offset: next }) : null,
  };
}
