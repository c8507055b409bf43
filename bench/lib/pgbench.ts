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
 * itself is the app's single statement: lock and bump the channel's counters,
 * insert the message, its event, mentions (none) and the author's read
 * position.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PgDialect } from "drizzle-orm/pg-core";
import { childProcessEnv } from "@/lib/env";
import { sendStatement } from "@/server/messages/send";
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

// Placeholders the script replaces with pgbench variables.
const CHANNEL = "00000000-0000-4000-8000-00000000c4a1";
const AUTHOR = "00000000-0000-4000-8000-0000000a7401";
const CLIENT = "00000000-0000-4000-8000-00000000c11e";

/** A PostgreSQL array literal for one parameter value. */
function arrayLiteral(values: unknown[]): string {
  const items = values.map((value) =>
    value === null
      ? "NULL"
      : typeof value === "number"
        ? String(value)
        : `"${String(value).replace(/["\\]/g, "\\$&")}"`,
  );
  return `'{${items.join(",")}}'`;
}

/** pgbench variables: n, the channel (0: the hot one), and a, this client's author. */
const pick = (mode: "hot" | "spread", channels: number) =>
  `${mode === "hot" ? "\\set n 0" : `\\set n random(1, ${channels})`}
\\set a :client_id + 1`;

/**
 * The least a correct send can do, as the second baseline: take the
 * channel's next number (UPDATE … RETURNING, which also serialises sends to
 * one channel) and insert the message at it, in one statement. No event for
 * the streams, no mentions, no read position, no name for the answer, no
 * archived check: what the app's statement does beyond this is what those cost.
 */
export function minimalSendScript(mode: "hot" | "spread", channels: number): string {
  return `${pick(mode, channels)}
WITH c AS (UPDATE channels SET last_sequence = last_sequence + 1, last_revision = last_revision + 1 WHERE id = (SELECT id FROM bench_channels WHERE n = :n) RETURNING id, last_sequence, last_revision) INSERT INTO messages (channel_id, sequence, revision, author_id, body, client_message_id) SELECT c.id, c.last_sequence, c.last_revision, u.id, 'pgbench minimal send, the quick brown fox jumps over the lazy dog', gen_random_uuid() FROM c, bench_users u WHERE u.n = :a;
`;
}

/**
 * The pgbench script: one send per transaction, into channel n (0: the hot
 * one). The statement is the app's own (sendStatement, rendered by Drizzle
 * for a batch of one), with its id parameters bound to pgbench variables.
 */
export function sendScript(mode: "hot" | "spread", channels: number): string {
  const body = "pgbench send, the quick brown fox jumps over the lazy dog";
  const query = new PgDialect().sqlToQuery(
    sendStatement([
      {
        authorId: AUTHOR,
        target: { kind: "channel", id: CHANNEL },
        body,
        clientMessageId: CLIENT,
        parentId: null,
      },
    ]),
  );
  const variables: Record<string, string> = {
    [CHANNEL]: ":channel_ids",
    [AUTHOR]: ":author_ids",
    [CLIENT]: ":client_ids",
  };
  const text = query.sql.replace(/\$(\d+)/g, (_, index: string) => {
    const value = query.params[Number(index) - 1] as unknown[];
    const only = value.length === 1 ? String(value[0]) : "";
    return variables[only] ?? arrayLiteral(value);
  });
  return `${pick(mode, channels)}
SELECT '{' || c.id || '}' AS channel_ids, '{' || u.id || '}' AS author_ids, '{' || gen_random_uuid() || '}' AS client_ids FROM bench_channels c, bench_users u WHERE c.n = :n AND u.n = :a \\gset
${text
  .replace(/--[^\n]*/g, "")
  .replace(/\s+/g, " ")
  .trim()};
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
