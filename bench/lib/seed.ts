/**
 * Seeding the benchmark database directly with SQL (much faster than the
 * API, and only measured requests go through HTTP): people with API tokens,
 * one workspace with a hot channel, 1,000 channels to spread sends over and
 * channels for the streams, plus the helper tables the pgbench script reads
 * its channel and author ids from. The read fixtures (a channel of 1,000,000
 * messages, a member of 500 channels) are seeded separately, once, when the
 * first scenario that reads them (reads, search, client) runs.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { hashToken } from "@/server/tokens/read";
import type { BenchContext } from "./context";
import { RARE_HITS, RARE_WORD, VOCABULARY } from "./words";

export interface Person {
  id: string;
  name: string;
  token: string;
}

export interface Fixture {
  workspaceId: string;
  senders: Person[];
  subscribers: Person[];
  reader: Person;
  hotChannelId: string;
  spreadChannelIds: string[];
  fanoutChannelId: string;
  stormChannelId: string;
}

function people(prefix: string, count: number): Person[] {
  return Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    name: `${prefix} ${index + 1}`,
    token: `sqt_${randomBytes(32).toString("base64url")}`,
  }));
}

async function insertPeople(client: pg.PoolClient, list: Person[]) {
  await client.query(
    `INSERT INTO users (id, name, email)
     SELECT id, name, lower(replace(name, ' ', '-')) || '-' || substr(id::text, 1, 8) || '@bench.sequent'
       FROM unnest($1::uuid[], $2::text[]) AS u(id, name)`,
    [list.map((p) => p.id), list.map((p) => p.name)],
  );
  await client.query(
    `INSERT INTO api_tokens (user_id, name, token_hash, prefix)
     SELECT user_id, 'bench', token_hash, prefix FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(user_id, token_hash, prefix)`,
    [
      list.map((p) => p.id),
      list.map((p) => hashToken(p.token)),
      list.map((p) => p.token.slice(0, 10)),
    ],
  );
}

async function insertChannels(
  client: pg.PoolClient,
  workspaceId: string,
  names: string[],
  createdBy: string,
): Promise<string[]> {
  const ids = names.map(() => randomUUID());
  await client.query(
    `INSERT INTO channels (id, workspace_id, name, created_by)
     SELECT id, $1, name, $4 FROM unnest($2::uuid[], $3::text[]) AS c(id, name)`,
    [workspaceId, ids, names, createdBy],
  );
  return ids;
}

/**
 * Messages 1..count in each channel as the send path leaves them: their
 * events and the channel's counters too. `body` and `createdAt` are SQL
 * expressions of the message's number `g` (`$3` is `count`).
 */
async function insertMessages(
  client: pg.PoolClient,
  channelIds: string[],
  authorId: string,
  count: number,
  body: string,
  createdAt = "now()",
): Promise<void> {
  await client.query(
    `INSERT INTO messages (channel_id, sequence, revision, author_id, body, client_message_id, created_at)
     SELECT c, g, g, $2, ${body}, gen_random_uuid(), ${createdAt}
       FROM unnest($1::uuid[]) AS c CROSS JOIN generate_series(1, $3::int) AS g`,
    [channelIds, authorId, count],
  );
  await client.query(
    `INSERT INTO message_events (channel_id, revision, kind, message_id, actor_id, created_at)
     SELECT channel_id, revision, 'message.created', id, author_id, created_at
       FROM messages WHERE channel_id = ANY($1::uuid[])`,
    [channelIds],
  );
  await client.query(
    "UPDATE channels SET last_sequence = $2, last_revision = $2 WHERE id = ANY($1::uuid[])",
    [channelIds, count],
  );
}

async function addMembers(client: pg.PoolClient, channelIds: string[], userIds: string[]) {
  await client.query(
    `INSERT INTO channel_members (channel_id, user_id)
     SELECT c, u FROM unnest($1::uuid[]) AS c CROSS JOIN unnest($2::uuid[]) AS u`,
    [channelIds, userIds],
  );
}

async function insertWorkspace(
  client: pg.PoolClient,
  name: string,
  owner: string,
  members: string[],
) {
  const id = randomUUID();
  await client.query(
    "INSERT INTO workspaces (id, name, slug, created_by) VALUES ($1, $2, $3, $4)",
    [id, name, `${name}-${id.slice(0, 8)}`, owner],
  );
  await client.query(
    `INSERT INTO workspace_members (workspace_id, user_id, role)
     SELECT $1, u, CASE WHEN u = $2 THEN 'owner'::workspace_role ELSE 'member'::workspace_role END
       FROM unnest($3::uuid[]) AS u`,
    [id, owner, members],
  );
  return id;
}

export async function seedFixture(
  pool: pg.Pool,
  options: { senders: number; subscribers: number; spreadChannels: number },
): Promise<Fixture> {
  const senders = people("Sender", options.senders);
  const subscribers = people("Subscriber", options.subscribers);
  const [reader] = people("Reader", 1) as [Person];
  const owner = senders[0] as Person;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await insertPeople(client, [...senders, ...subscribers, reader]);
    const everyone = [...senders, ...subscribers, reader].map((p) => p.id);
    const workspaceId = await insertWorkspace(client, "bench", owner.id, everyone);
    const spreadNames = Array.from(
      { length: options.spreadChannels },
      (_, i) => `spread-${String(i + 1).padStart(4, "0")}`,
    );
    const [hotChannelId, fanoutChannelId, stormChannelId, ...spreadChannelIds] =
      (await insertChannels(
        client,
        workspaceId,
        ["hot", "fanout", "storm", ...spreadNames],
        owner.id,
      )) as [string, string, string, ...string[]];
    // Every sender may send everywhere it is sent to; subscribers follow the stream channels.
    await addMembers(
      client,
      [hotChannelId, ...spreadChannelIds],
      senders.map((p) => p.id),
    );
    await addMembers(
      client,
      [fanoutChannelId, stormChannelId],
      [owner.id, ...subscribers.map((p) => p.id)],
    );
    // pgbench picks its channel and author by number: n = 0 is the hot channel.
    await client.query("CREATE TABLE bench_channels (n int PRIMARY KEY, id uuid NOT NULL)");
    await client.query("CREATE TABLE bench_users (n int PRIMARY KEY, id uuid NOT NULL)");
    await client.query(
      "INSERT INTO bench_channels SELECT n - 1, id FROM unnest($1::uuid[]) WITH ORDINALITY AS c(id, n)",
      [[hotChannelId, ...spreadChannelIds]],
    );
    await client.query(
      "INSERT INTO bench_users SELECT n, id FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n)",
      [senders.map((p) => p.id)],
    );
    await client.query("COMMIT");
    await client.query("ANALYZE");
    return {
      workspaceId,
      senders,
      subscribers,
      reader,
      hotChannelId,
      spreadChannelIds,
      fanoutChannelId,
      stormChannelId,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** How many people wrote the history, in turn (so from:@name finds a share of it). */
export const HISTORY_AUTHORS = 8;

export interface ReadFixture {
  historyChannelId: string;
  historyMessages: number;
  /** When the history's first message was sent; one message a second follows until now. */
  historyStart: Date;
  /** The workspace where the reader is a member of many channels. */
  listWorkspaceId: string;
  listChannels: number;
  unreadChannels: number;
}

const readFixtures = new WeakMap<pg.Pool, Promise<ReadFixture>>();

/**
 * The read fixture of the bench database, seeded by the first scenario that
 * asks and shared by the rest, so scenarios that read the history do not
 * each add a million messages.
 */
export async function readFixture(ctx: BenchContext): Promise<ReadFixture> {
  const { options, log, pool } = ctx;
  const existing = readFixtures.get(pool);
  if (existing) return existing;
  log(
    `seeding ${options.historyMessages.toLocaleString("en-US")} messages in one channel and ${options.listChannels} channels for one member…`,
  );
  const started = performance.now();
  const seeding = seedReads(pool, ctx.fixture, {
    messages: options.historyMessages,
    channels: options.listChannels,
  });
  readFixtures.set(pool, seeding);
  const reads = await seeding;
  log(`seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return reads;
}

/**
 * A channel of `messages` messages (with their events, as the send path
 * writes them) and a workspace of `channels` channels the reader belongs to,
 * every fifth with 20 messages the reader has not read. The history's bodies
 * are 6–14 entries of the vocabulary (bench/lib/words.ts) drawn by Zipf's
 * law, written in turn by HISTORY_AUTHORS people, one message a second up to
 * now; PostgreSQL fills the search vector (a generated column) and its GIN
 * index as it does for every send.
 */
async function seedReads(
  pool: pg.Pool,
  fixture: Fixture,
  options: { messages: number; channels: number },
): Promise<ReadFixture> {
  const author = fixture.senders[0] as Person;
  const authors = fixture.senders.slice(0, HISTORY_AUTHORS).map((p) => p.id);
  const reader = fixture.reader;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const [historyChannelId] = (await insertChannels(
      client,
      fixture.workspaceId,
      ["history"],
      author.id,
    )) as [string];
    await addMembers(client, [historyChannelId], [...authors, reader.id]);
    // exp(random() * ln(V + 1)) is spread evenly on a log scale, so entry r
    // comes with probability ~ 1/r; the subquery names g, so it runs per row.
    await client.query(
      `INSERT INTO messages (channel_id, sequence, revision, author_id, body, client_message_id, created_at)
       SELECT $1, g, g, ($2::uuid[])[1 + g % cardinality($2::uuid[])],
              (SELECT string_agg(($4::text[])[floor(exp(random() * ln(cardinality($4::text[]) + 1)))::int], ' ')
                 FROM generate_series(1, 6 + g % 9))
                || CASE WHEN g % $5 = 0 THEN ' ' || $6 ELSE '' END,
              gen_random_uuid(), now() - make_interval(secs => $3 - g)
         FROM generate_series(1, $3::int) AS g`,
      [
        historyChannelId,
        authors,
        options.messages,
        VOCABULARY,
        Math.max(1, Math.floor(options.messages / RARE_HITS)),
        RARE_WORD,
      ],
    );
    await client.query(
      `INSERT INTO message_events (channel_id, revision, kind, message_id, actor_id, created_at)
       SELECT channel_id, revision, 'message.created', id, author_id, created_at
         FROM messages WHERE channel_id = $1`,
      [historyChannelId],
    );
    const first = await client.query<{ created_at: Date }>(
      "SELECT created_at FROM messages WHERE channel_id = $1 AND sequence = 1",
      [historyChannelId],
    );
    await client.query("UPDATE channels SET last_sequence = $2, last_revision = $2 WHERE id = $1", [
      historyChannelId,
      options.messages,
    ]);
    await client.query("UPDATE channel_members SET last_read_sequence = $2 WHERE channel_id = $1", [
      historyChannelId,
      options.messages,
    ]);

    const listWorkspaceId = await insertWorkspace(client, "many-channels", author.id, [
      author.id,
      reader.id,
    ]);
    const names = Array.from(
      { length: options.channels },
      (_, i) => `channel-${String(i + 1).padStart(3, "0")}`,
    );
    const ids = await insertChannels(client, listWorkspaceId, names, author.id);
    await addMembers(client, ids, [author.id, reader.id]);
    const unread = ids.filter((_, index) => index % 5 === 0);
    await insertMessages(client, unread, author.id, 20, "'unread message ' || g");
    // The author has read what it wrote, as the send path records it.
    await client.query(
      "UPDATE channel_members SET last_read_sequence = 20 WHERE channel_id = ANY($1::uuid[]) AND user_id = $2",
      [unread, author.id],
    );
    await client.query("COMMIT");
    // Moves what the bulk insert left in the GIN index's pending list into
    // the index proper, as autovacuum soon would; searches then read no list.
    await client.query("SELECT gin_clean_pending_list('messages_search_idx')");
    await client.query("ANALYZE");
    return {
      historyChannelId,
      historyMessages: options.messages,
      historyStart: first.rows[0]?.created_at ?? new Date(),
      listWorkspaceId,
      listChannels: options.channels,
      unreadChannels: unread.length,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Channels whose messages are not exactly 1..last_sequence: a gap or a
 * duplicate anywhere in the workspace (the unique index rules out the latter).
 */
export async function sequenceProblems(pool: pg.Pool, workspaceId: string) {
  const result = await pool.query<{ name: string; count: number; max: number; last: number }>(
    `SELECT c.name, count(m.id)::int AS count, coalesce(max(m.sequence), 0)::int AS max, c.last_sequence AS last
       FROM channels c LEFT JOIN messages m ON m.channel_id = c.id
      WHERE c.workspace_id = $1
      GROUP BY c.id
     HAVING count(m.id) <> c.last_sequence OR coalesce(max(m.sequence), 0) <> c.last_sequence`,
    [workspaceId],
  );
  const totals = await pool.query<{ channels: number; messages: number }>(
    `SELECT count(DISTINCT c.id)::int AS channels, count(m.id)::int AS messages
       FROM channels c LEFT JOIN messages m ON m.channel_id = c.id WHERE c.workspace_id = $1`,
    [workspaceId],
  );
  return { problems: result.rows, checked: totals.rows[0] ?? { channels: 0, messages: 0 } };
}

export interface BrowserPlace {
  id: string;
  name: string;
  /** The sequence of its newest message (the scenario counts its own sends): what a switch to it waits for. */
  lastSequence: number;
}

/**
 * The places of the browser scenario: `people` (accounts signed up over
 * HTTP, so they can sign in) join the bench workspace, the history channel
 * and two channels of `messages` messages each, with everything read, so
 * each channel opens at its newest message.
 */
export async function seedBrowserPlaces(
  pool: pg.Pool,
  fixture: Fixture,
  reads: ReadFixture,
  people: string[],
  messages: number,
): Promise<BrowserPlace[]> {
  const author = fixture.senders[0] as Person;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO workspace_members (workspace_id, user_id, role)
       SELECT $1, u, 'member'::workspace_role FROM unnest($2::uuid[]) AS u`,
      [fixture.workspaceId, people],
    );
    const suffix = randomUUID().slice(0, 8);
    const names = [`lounge-${suffix}`, `planning-${suffix}`];
    const ids = await insertChannels(client, fixture.workspaceId, names, author.id);
    await addMembers(client, ids, [author.id, ...people]);
    await addMembers(client, [reads.historyChannelId], people);
    await insertMessages(
      client,
      ids,
      author.id,
      messages,
      "'note ' || g || ' on the roadmap for this quarter'",
      // One a second up to now, so they read as a conversation that went on.
      "now() - make_interval(secs => $3 - g)",
    );
    await client.query(
      `UPDATE channel_members m SET last_read_sequence = c.last_sequence
         FROM channels c
        WHERE c.id = m.channel_id AND m.channel_id = ANY($1::uuid[]) AND m.user_id = ANY($2::uuid[])`,
      [[...ids, reads.historyChannelId], people],
    );
    await client.query("COMMIT");
    return [
      ...names.map((name, index) => ({
        id: ids[index] as string,
        name,
        lastSequence: messages,
      })),
      { id: reads.historyChannelId, name: "history", lastSequence: reads.historyMessages },
    ];
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
