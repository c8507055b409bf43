/**
 * The benchmark's PostgreSQL: a dedicated database created on DATABASE_URL's
 * server (dropped afterwards) when it is set, otherwise a fresh embedded
 * server in a temporary data directory (stopped and removed afterwards).
 * Migrated from code like every other database of ours.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import pg from "pg";
import { startEmbeddedPostgres } from "@/db/embedded";
import { runMigrations } from "@/db/migrate";
import { env } from "@/server/env";
import { ownedTempDir } from "./leftovers";

export interface BenchDatabase {
  /** URL of the benchmark's own database. */
  url: string;
  embedded: boolean;
  /** Where the server runs, for the report (never the password). */
  description: string;
  dispose(): Promise<void>;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin(serverUrl: string, statement: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const configured = env().DATABASE_URL;
  let serverUrl = configured;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let description: string;
  if (serverUrl) {
    const url = new URL(serverUrl);
    description = `PostgreSQL at ${url.hostname}:${url.port || 5432} (DATABASE_URL)`;
  } else {
    const dataDir = ownedTempDir("pg");
    const embedded = await startEmbeddedPostgres({ dataDir, log });
    serverUrl = embedded.url;
    description = "embedded PostgreSQL (temporary data directory)";
    stopEmbedded = async () => {
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const name = `sequent_bench_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  try {
    await admin(serverUrl, `CREATE DATABASE "${name}"`);
  } catch (error) {
    await stopEmbedded?.();
    throw error;
  }
  const url = withDatabase(serverUrl, name);
  const maintenance = serverUrl;
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    try {
      await admin(maintenance, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await stopEmbedded?.();
    }
  };
  try {
    await runMigrations(url, "pg");
  } catch (error) {
    await dispose();
    throw error;
  }
  const version = await serverVersion(url);
  return { url, embedded: !configured, description: `${description}, ${version}`, dispose };
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
