/**
 * A database that lives for one run (a test suite, the e2e server, a
 * benchmark): created with a unique name on `serverUrl` when given, otherwise
 * on a fresh embedded PostgreSQL in a temporary folder; migrated from code;
 * dropped (and the embedded server stopped and removed) by dispose(). Runs
 * side by side never share a server one of them might stop.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@/db/embedded";
import { runMigrations } from "@/db/migrate";

export interface ThrowawayDatabase {
  /** URL of the run's own database. */
  url: string;
  /** URL of the server's maintenance database. */
  serverUrl: string;
  embedded: boolean;
  dispose(): Promise<void>;
}

function withDatabaseName(serverUrl: string, database: string): string {
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

function temporaryFolder() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sequent-pg-"));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export async function createThrowawayDatabase(options: {
  prefix: string;
  serverUrl?: string;
  /** Where an embedded server keeps its data (default: a new temporary folder). */
  dataDir?: () => string;
  /** false: leave the database empty (tests of migrating it). */
  migrate?: boolean;
  log?: (line: string) => void;
}): Promise<ThrowawayDatabase> {
  let serverUrl = options.serverUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const dataDir = (options.dataDir ?? temporaryFolder)();
    const embedded = await startEmbeddedPostgres({ dataDir, log: options.log });
    serverUrl = embedded.url;
    stopEmbedded = async () => {
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const maintenance = serverUrl;
  const name = `${options.prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  let created = false;
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    try {
      if (created) await admin(maintenance, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await stopEmbedded?.();
    }
  };
  const url = withDatabaseName(maintenance, name);
  try {
    await admin(maintenance, `CREATE DATABASE "${name}"`);
    created = true;
    if (options.migrate !== false) await runMigrations(url, "pg");
  } catch (error) {
    await dispose();
    throw error;
  }
  return { url, serverUrl: maintenance, embedded: !options.serverUrl, dispose };
}
