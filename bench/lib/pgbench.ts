/**
 * The physical limit beside the app: PostgreSQL's own `pgbench` replaying
 * the SQL of the send transaction (server/messages/send.ts, a batch of one
 * send) with prepared statements, at the same concurrency and on the same
 * server and database as the app. System requirement: `pgbench` (Debian:
 * postgresql-client); without it these figures are skipped.
 *
 * Channel and author ids come from the helper tables the seed creates
 * (bench_channels: n = 0 is the hot channel, 1..1000 the spread ones;
 * bench_users: the senders), read before each transaction; the transaction
 * itself is the app's: lock and bump the channel's counters, then insert the
 * message, its event, mentions (none) and the author's read position in one
 * statement, and commit.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { childProcessEnv } from "@/server/env";
import { type Latencies, latencies } from "./stats";

export function findPgbench(): string | undefined {
  for (const candidate of ["/usr/bin/pgbench", "/usr/local/bin/pgbench"]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  try {
    const found = execFileSync("sh", ["-c", "command -v pgbench"], { encoding: "utf8" }).trim();
    return found || undefined;
  } catch {
    return undefined;
  }
}

export function pgbenchVersion(binary: string): string {
  return execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
}

/** The pgbench script: one send per transaction, into channel n (0: the hot one). */
export function sendScript(mode: "hot" | "spread", channels: number): string {
  const body = "pgbench send, the quick brown fox jumps over the lazy dog";
  return `${mode === "hot" ? "\\set n 0" : `\\set n random(1, ${channels})`}
\\set a :client_id + 1
SELECT '{' || c.id || '}' AS channel_ids, '{' || u.id || '}' AS author_ids, '{' || gen_random_uuid() || '}' AS client_ids FROM bench_channels c, bench_users u WHERE c.n = :n AND u.n = :a \\gset
BEGIN;
UPDATE channels AS t SET last_sequence = t.last_sequence + v.n, last_revision = t.last_revision + v.n FROM (SELECT id FROM channels WHERE id = ANY(CAST(:channel_ids AS uuid[])) AND archived_at IS NULL ORDER BY id FOR UPDATE) AS locked, unnest(CAST(:channel_ids AS uuid[]), CAST('{1}' AS int[])) AS v(id, n) WHERE t.id = locked.id AND v.id = t.id RETURNING t.id, t.last_sequence, t.last_revision, '{' || t.last_sequence || '}' AS sequences, '{' || t.last_revision || '}' AS revisions \\gset
WITH input AS (SELECT * FROM unnest(CAST(:channel_ids AS uuid[]), CAST('{NULL}' AS uuid[]), CAST(:sequences AS int[]), CAST(:revisions AS int[]), CAST(:author_ids AS uuid[]), CAST('{"${body}"}' AS text[]), CAST(:client_ids AS uuid[]), CAST('{NULL}' AS uuid[])) WITH ORDINALITY AS i(channel_id, conversation_id, sequence, revision, author_id, body, client_message_id, parent_id, ord)), m AS (INSERT INTO messages (channel_id, conversation_id, sequence, revision, author_id, body, client_message_id, parent_id) SELECT channel_id, conversation_id, sequence, revision, author_id, body, client_message_id, parent_id FROM input ORDER BY ord ON CONFLICT (author_id, client_message_id) DO NOTHING RETURNING id, channel_id, conversation_id, sequence, revision, author_id, client_message_id, created_at), ev AS (INSERT INTO message_events (channel_id, conversation_id, revision, kind, message_id, actor_id, created_at) SELECT channel_id, conversation_id, revision, 'message.created', id, author_id, created_at FROM m), mn AS (INSERT INTO mentions (message_id, user_id, channel_id, conversation_id, sequence) SELECT m.id, mention.user_id, m.channel_id, m.conversation_id, m.sequence FROM unnest(CAST('{}' AS int[]), CAST('{}' AS uuid[])) AS mention(ord, user_id) JOIN input ON input.ord = mention.ord JOIN m ON m.author_id = input.author_id AND m.client_message_id = input.client_message_id JOIN users ON users.id = mention.user_id), read_channel AS (UPDATE channel_members AS cm SET last_read_sequence = GREATEST(cm.last_read_sequence, r.sequence) FROM unnest(CAST(:channel_ids AS uuid[]), CAST(:author_ids AS uuid[]), CAST(:sequences AS int[])) AS r(target_id, user_id, sequence) WHERE cm.channel_id = r.target_id AND cm.user_id = r.user_id), read_conversation AS (UPDATE conversation_members AS cm SET last_read_sequence = GREATEST(cm.last_read_sequence, r.sequence) FROM unnest(CAST('{}' AS uuid[]), CAST('{}' AS uuid[]), CAST('{}' AS int[])) AS r(target_id, user_id, sequence) WHERE cm.conversation_id = r.target_id AND cm.user_id = r.user_id) SELECT m.id, m.author_id, users.name AS author_name, m.client_message_id, m.created_at FROM m JOIN users ON users.id = m.author_id;
COMMIT;
`;
}

export interface PgbenchRun {
  /** Transactions per second, without connection time. */
  tps: number;
  transactions: number;
  failed: number;
  latency: Latencies;
}

/** Runs pgbench for `seconds` at `clients` connections; per-transaction latencies come from its log. */
export async function runPgbench(options: {
  binary: string;
  databaseUrl: string;
  script: string;
  clients: number;
  seconds: number;
}): Promise<PgbenchRun> {
  const url = new URL(options.databaseUrl);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sequent-bench-pgbench-"));
  try {
    const scriptFile = path.join(workDir, "send.sql");
    fs.writeFileSync(scriptFile, options.script);
    const args = [
      "-n",
      "-M",
      "prepared",
      "-c",
      String(options.clients),
      "-j",
      String(Math.min(2, options.clients)),
      "-T",
      String(options.seconds),
      "-f",
      scriptFile,
      "-l",
      "--log-prefix",
      path.join(workDir, "log"),
      "-h",
      url.hostname,
      "-p",
      url.port || "5432",
      "-U",
      decodeURIComponent(url.username || "postgres"),
      decodeURIComponent(url.pathname.slice(1)),
    ];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(options.binary, args, {
        cwd: workDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: childProcessEnv({
          PGPASSWORD: decodeURIComponent(url.password) || undefined,
          PGSSLMODE: url.searchParams.get("sslmode") ?? undefined,
          LC_ALL: "C",
        }),
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk;
      });
      child.stderr.on("data", (chunk: Buffer) => {
        text += chunk;
      });
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve(text) : reject(new Error(`pgbench exited with ${code}:\n${text}`)),
      );
    });
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]);
    const transactions = Number(
      /number of transactions actually processed: (\d+)/.exec(output)?.[1],
    );
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
    if (!Number.isFinite(tps)) throw new Error(`could not read pgbench's output:\n${output}`);
    // Log lines: client_id transaction_no latency_us script_no epoch epoch_us
    const samples: number[] = [];
    for (const file of fs.readdirSync(workDir)) {
      if (!file.startsWith("log")) continue;
      for (const line of fs.readFileSync(path.join(workDir, file), "utf8").split("\n")) {
        const latency = Number(line.split(" ")[2]);
        if (Number.isFinite(latency) && line) samples.push(latency / 1000);
      }
    }
    return { tps, transactions, failed, latency: latencies(samples) };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
