/**
 * The app under test: one production server as a child process — the Node
 * server `npm start` runs, or plain `next start` with `--entry next` —
 * started the way testing/app-server.ts starts it, with the benchmark's
 * settings: no rate limits, diagnostics on /api/health, GC exposed (so
 * memory is read after a collection), in-process fan-out unless a Redis is
 * given (the several-instance layouts of `--instances`).
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { type AppServer, type Entry, startAppServer } from "@/testing/app-server";
import type { HttpClient } from "./http";
import { cpuTimes, threadCpuMicros } from "./proc";

export interface Diagnostics {
  pid: number;
  listeners: number;
  feeds: number;
  rss: number;
  heapUsed: number;
  gcRan: boolean;
  cpuMicros: number;
  dbConnections: { total: number; idle: number };
}

export async function startBenchServer(
  databaseUrl: string,
  options: { profileDir?: string; entry?: Entry; redisUrl?: string } = {},
): Promise<AppServer> {
  const profiling = options.profileDir
    ? ` --require ${JSON.stringify(path.join(import.meta.dirname, "cpu-profiler.cjs"))}`
    : "";
  return startAppServer({
    databaseUrl,
    entry: options.entry,
    env: {
      RATE_LIMITS: "off",
      SEQUENT_DIAGNOSTICS: "1",
      NODE_OPTIONS: `--expose-gc${profiling}`,
      SEQUENT_BENCH_PROFILE_DIR: options.profileDir,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      REDIS_URL: options.redisUrl,
      // The fan-out and resume scenarios hold up to 5,000 streams on 20 subscribers' tokens.
      STREAMS_PER_USER: "10000",
      STREAMS_PER_TOKEN: "10000",
      DATABASE_POOL_SIZE: undefined,
      LOG_QUERIES: undefined,
    },
  });
}

/** GET /api/health with diagnostics (it runs a full GC first). */
export async function diagnostics(client: HttpClient): Promise<Diagnostics> {
  const reply = await client.request("GET", "/api/health");
  if (reply.status !== 200) throw new Error(`/api/health answered ${reply.status}: ${reply.text}`);
  const body = JSON.parse(reply.text) as Diagnostics & { ok: boolean };
  if (body.pid === undefined)
    throw new Error("/api/health has no diagnostics (SEQUENT_DIAGNOSTICS)");
  return body;
}

/**
 * CPU time (user + system, all threads) of a process in µs, from
 * /proc/<pid>/stat, so reading it costs the server nothing (the health
 * route would run a GC first). Undefined where /proc is missing.
 */
export function processCpuMicros(pid: number): number | undefined {
  return cpuTimes(pid)?.self;
}

/**
 * A reader of a process's CPU time, µs: its ticks (what the figures of one
 * server always used), or its threads' nanosecond counters where layouts are
 * compared and the differences are smaller than a tick per run.
 */
export const cpuReader =
  (precise: boolean) =>
  (pid: number): number | undefined =>
    precise ? threadCpuMicros(pid) : processCpuMicros(pid);

/** Server output lines that report faults (tRPC INTERNAL_SERVER_ERROR, pool errors, crashes). */
export function faultLines(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => /failed:|error|Error|unhandled|ECONN|EMFILE/.test(line))
    .filter((line) => !/^\s*$/.test(line));
}
