/**
 * Scenario 7, search through HTTP: `message.search` over the channel of
 * 1,000,000 messages (bodies drawn from bench/lib/words.ts), as the reader
 * (a member of it) with an API token, 20 hits a page as the search panel
 * asks. The mix is what people type: a common word, a rare word, a quoted
 * phrase, a word still being typed (a prefix), OR, an exclusion, the
 * filters in:#, from:@ and on:, has:link, and a word found nowhere. Queries
 * are sent as typed, so one that does not end in a space matches its last
 * word as a prefix, as the app does. Requests go one at a time, the kinds
 * interleaved, so each latency is the answer time plus loopback.
 */
import type { BenchContext } from "../lib/context";
import { dataOf, type Reply } from "../lib/http";
import { HISTORY_AUTHORS, readFixture } from "../lib/seed";
import { latencies, median } from "../lib/stats";
import { RARE_HITS, RARE_WORD } from "../lib/words";

interface Hit {
  message: { body: string; createdAt: string; author: { id: string } };
}

interface Kind {
  key: string;
  label: string;
  query: string;
  /** Whether the first page is right: the hits it must and must not hold. */
  check(hits: Hit[]): boolean;
  /** The messages the query's words match, counted in SQL for the report (selectivity). */
  matching?: { sql: string; param: string };
}

const PAGE = 20;
const TARGET = { text: "≤ 50 ms", op: "<=" as const, value: 50 };

export async function searchScenario(ctx: BenchContext) {
  const { options, recorder, log, fixture, pool } = ctx;
  const reads = await readFixture(ctx);
  const { client } = await ctx.restartApp("search");
  const token = fixture.reader.token;
  const workspaceId = fixture.workspaceId;
  // A whole UTC day in the middle of the history (it spans a message a second up to now).
  const middle = new Date(reads.historyStart.getTime() + (options.historyMessages / 2) * 1000);
  const day = middle.toISOString().slice(0, 10);
  const author = fixture.senders[2 % HISTORY_AUTHORS];
  if (!author) throw new Error("the fixture has too few senders for the history's authors");
  const handle = author.name.toLowerCase().replace(/\s+/g, "");

  const every = (test: (hit: Hit) => boolean) => (hits: Hit[]) =>
    hits.length > 0 && hits.every(test);
  const words = (hit: Hit) => hit.message.body.split(" ");
  const stemmed = "search_vector @@ websearch_to_tsquery('english', $2)";
  const kinds: Kind[] = [
    {
      key: "common",
      label: "a common word (`deploy `)",
      query: "deploy ",
      check: (hits) => hits.length === PAGE,
      matching: { sql: stemmed, param: "deploy" },
    },
    {
      key: "rare",
      label: `a rare word (\`${RARE_WORD} \`, ${RARE_HITS} messages)`,
      query: `${RARE_WORD} `,
      check: (hits) =>
        hits.length === Math.min(PAGE, RARE_HITS) &&
        hits.every((hit) => words(hit).includes(RARE_WORD)),
      matching: { sql: stemmed, param: RARE_WORD },
    },
    {
      key: "phrase",
      label: 'a quoted phrase (`"release notes"`)',
      query: '"release notes"',
      check: every((hit) => hit.message.body.includes("release notes")),
      matching: { sql: stemmed, param: '"release notes"' },
    },
    {
      key: "prefix",
      label: "a word being typed (`deplo`, a prefix)",
      query: "deplo",
      check: (hits) => hits.length === PAGE,
      matching: { sql: "search_vector @@ to_tsquery('simple', $2)", param: "deplo:*" },
    },
    {
      key: "or",
      label: "OR (`rollback OR hotfix `)",
      query: "rollback OR hotfix ",
      check: every((hit) => /\b(rollback|hotfix)\b/.test(hit.message.body)),
      matching: { sql: stemmed, param: "rollback OR hotfix" },
    },
    {
      key: "exclusion",
      label: "an exclusion (`deploy -staging`)",
      query: "deploy -staging",
      check: every((hit) => !words(hit).includes("staging")),
      matching: { sql: stemmed, param: "deploy -staging" },
    },
    {
      key: "in",
      label: "in:#channel (`in:#history review `)",
      query: "in:#history review ",
      check: every((hit) => /\breview/.test(hit.message.body)),
    },
    {
      key: "from",
      label: `from:@person (\`from:@${handle} database \`, 1 of ${HISTORY_AUTHORS} authors)`,
      query: `from:@${handle} database `,
      check: every((hit) => hit.message.author.id === author.id),
    },
    {
      key: "date",
      label: "a day (`on:<day> migration `)",
      query: `on:${day} migration `,
      check: every((hit) => hit.message.createdAt.startsWith(day)),
    },
    {
      key: "link",
      label: "has:link (`has:link benchmark `)",
      query: "has:link benchmark ",
      check: every((hit) => hit.message.body.includes("https://")),
    },
    {
      key: "none",
      label: "a word found nowhere (`xylophone `)",
      query: "xylophone ",
      check: (hits) => hits.length === 0,
    },
  ];

  const call = (kind: Kind) =>
    client.query("message.search", { workspaceId, query: kind.query, limit: PAGE }, token);

  const matches = new Map<string, number>();
  for (const kind of kinds) {
    if (kind.matching) {
      const counted = await pool.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM messages WHERE channel_id = $1 AND ${kind.matching.sql}`,
        [reads.historyChannelId, kind.matching.param],
      );
      matches.set(kind.key, counted.rows[0]?.count ?? 0);
    }
    const reply: Reply = await call(kind);
    const hits = reply.status === 200 ? dataOf<{ hits: Hit[] }>(reply).hits : [];
    if (reply.status !== 200 || !kind.check(hits)) {
      recorder.anomaly(
        `search ${kind.label}: unexpected answer (${hits.length} hits): ${reply.text.slice(0, 300)}`,
      );
    }
    for (let i = 0; i < 3; i++) await call(kind);
  }
  log(
    `search: messages matched by the words (of ${options.historyMessages.toLocaleString("en-US")}): ${[
      ...matches,
    ]
      .map(([key, count]) => `${key} ${count.toLocaleString("en-US")}`)
      .join(" · ")}`,
  );

  const perRun = options.quick ? 20 : 60;
  const samples = new Map<string, number[][]>(kinds.map((k) => [k.key, []]));
  const overall: number[][] = [];
  let errors = 0;
  for (let run = 1; run <= options.runs; run++) {
    const current = new Map<string, number[]>(kinds.map((k) => [k.key, []]));
    for (let i = 0; i < perRun; i++) {
      for (const kind of kinds) {
        const reply = await call(kind);
        if (reply.status !== 200) errors++;
        else current.get(kind.key)?.push(reply.ms);
      }
    }
    for (const kind of kinds) samples.get(kind.key)?.push(current.get(kind.key) ?? []);
    const all = [...current.values()].flat();
    overall.push(all);
    const summary = latencies(all);
    log(
      `search · run ${run}/${options.runs} (${perRun} of each of ${kinds.length} kinds): ` +
        `p50 ${summary.p50.toFixed(1)} / p99 ${summary.p99.toFixed(1)} ms; ` +
        kinds
          .map((kind) => {
            const s = latencies(current.get(kind.key) ?? []);
            return `${kind.key} ${s.p50.toFixed(0)}/${s.p99.toFixed(0)}`;
          })
          .join(" · "),
    );
  }
  if (errors > 0) recorder.anomaly(`search: ${errors} requests failed`);

  const history = `${options.historyMessages.toLocaleString("en-US")} messages`;
  const runs = overall.map((values) => latencies(values));
  recorder.raw("search", { kind: "all", runs, matches: Object.fromEntries(matches) });
  recorder.figure({
    id: "search.all.p99",
    scenario: "search",
    label: `message.search over ${history}, the mix of ${kinds.length} kinds: p99`,
    unit: "ms",
    runs: runs.map((r) => r.p99),
    detail: `p50 ${median(runs.map((r) => r.p50)).toFixed(1)} ms`,
    target: TARGET,
  });
  for (const kind of kinds) {
    const kindRuns = (samples.get(kind.key) ?? []).map((values) => latencies(values));
    recorder.raw("search", { kind: kind.key, query: kind.query, runs: kindRuns });
    const matched = matches.get(kind.key);
    recorder.figure({
      id: `search.${kind.key}.p99`,
      scenario: "search",
      label: `message.search, ${kind.label}: p99`,
      unit: "ms",
      runs: kindRuns.map((r) => r.p99),
      detail:
        `p50 ${median(kindRuns.map((r) => r.p50)).toFixed(1)} ms` +
        (matched === undefined ? "" : `; its words match ${matched.toLocaleString("en-US")}`),
      target: TARGET,
    });
  }
}
