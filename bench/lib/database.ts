/**
 * The benchmark's PostgreSQL: a dedicated database created on DATABASE_URL's
 * server (dropped afterwards) when it is set, otherwise a fresh embedded
 * server in a temporary data directory (stopped and removed afterwards).
 * Migrated from code like every other database of ours.
 */
import fs from "node:fs";
import pg from "pg";
import { env } from "@/lib/env";
import { createThrowawayDatabase } from "@/testing/throwaway";
import { ownedTempDir } from "./leftovers";
import { cpuTimes } from "./proc";

export interface BenchDatabase {
  /** URL of the benchmark's own database. */
  url: string;
  embedded: boolean;
  /** Where the server runs, for the report (never the password). */
  description: string;
  dispose(): Promise<void>;
}

export async function createBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const configured = env().DATABASE_URL;
  const description = configured
    ? `PostgreSQL at ${new URL(configured).hostname}:${new URL(configured).port || 5432} (DATABASE_URL)`
    : "embedded PostgreSQL (temporary data directory)";
  const database = await createThrowawayDatabase({
    prefix: "sequent_bench",
    serverUrl: configured,
    // A folder a later run can find and clean up if this one is killed.
    dataDir: () => ownedTempDir("pg"),
    log,
  });
  const version = await serverVersion(database.url);
  return {
    url: database.url,
    embedded: database.embedded,
    description: `${description}, ${version}`,
    dispose: database.dispose,
  };
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>("SHOW server_version");
    return `PostgreSQL ${result.rows[0]?.server_version ?? "?"}`;
  } finally {
    await client.end();
  }
}

/**
 * The PostgreSQL server's main process when it runs on this machine (its
 * CPU time is then readable from /proc); undefined when it runs elsewhere.
 */
export async function postgresServerPid(url: string): Promise<number | undefined> {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "[::1]", "::1", ""].includes(host)) return undefined;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const backend = result.rows[0]?.pid;
    const server = backend === undefined ? undefined : cpuTimes(backend)?.parentPid;
    if (server === undefined) return undefined;
    const command = fs.readFileSync(`/proc/${server}/cmdline`, "utf8");
    return /postgres/.test(command) ? server : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}
