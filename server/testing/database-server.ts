/**
 * A throwaway database for a test run: on `TEST_DATABASE_URL`'s server when
 * set, otherwise on a fresh embedded PostgreSQL in a temporary folder. Each
 * run gets a database with a unique name, migrated from code, dropped after.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@/db/embedded";
import { runMigrations } from "@/db/migrate";
import { env } from "@/server/env";

export interface TestDatabaseServer {
  /** URL of the run's own database. */
  url: string;
  /** URL of the server's maintenance database. */
  serverUrl: string;
  embedded: boolean;
  dispose(): Promise<void>;
}

export function databaseUrl(serverUrl: string, database: string): string {
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

export async function createTestDatabase(prefix = "sequent_test"): Promise<TestDatabaseServer> {
  const config = env();
  let serverUrl = config.TEST_DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    // A cluster of its own per run (about a second to create): runs side by
    // side never stop a server another run is still using.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sequent-test-pg-"));
    fs.chmodSync(dataDir, 0o755);
    const embedded = await startEmbeddedPostgres({ dataDir });
    serverUrl = embedded.url;
    stopEmbedded = async () => {
      await embedded.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  const url = databaseUrl(serverUrl, name);
  await runMigrations(url, "pg");
  const maintenance = serverUrl;
  return {
    url,
    serverUrl: maintenance,
    embedded: !config.TEST_DATABASE_URL,
    async dispose() {
      await admin(maintenance, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await stopEmbedded?.();
    },
  };
}
