/**
 * The benchmark's PostgreSQL: a dedicated database created on DATABASE_URL's
 * server (dropped afterwards) when it is set, otherwise a fresh embedded
 * server in a temporary data directory (stopped and removed afterwards).
 * Migrated from code like every other database of ours.
 */
import pg from "pg";
import { env } from "@/lib/env";
import { createThrowawayDatabase } from "@/testing/throwaway";
import { ownedTempDir } from "./leftovers";

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
