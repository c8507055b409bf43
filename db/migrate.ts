/**
 * Applies the committed drizzle-kit migrations, and says whether a database's
 * schema is the one this code was written for.
 *
 * Several app instances (or `npm run db:migrate` beside a starting instance)
 * may migrate one database at once, so a run holds a PostgreSQL advisory lock
 * on a dedicated connection: the others wait, then find nothing left to do.
 *
 * drizzle's migrator records each applied file's SHA-256 in
 * drizzle.__drizzle_migrations. A committed migration whose hash is absent
 * means the schema is older than the code; a recorded hash the code does not
 * know means a newer version (or an edited migration) changed it. Neither is
 * safe to serve on.
 */
import fs from "node:fs";
import path from "node:path";
import { Client as NeonClient } from "@neondatabase/serverless";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle as drizzleNeon } from "drizzle-orm/neon-serverless";
import { migrate as migrateNeon } from "drizzle-orm/neon-serverless/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

export const migrationsFolder = path.join(
  /*turbopackIgnore: true*/ process.cwd(),
  "db",
  "migrations",
);

// An arbitrary constant shared by every Sequent process: "seq" in ASCII.
const MIGRATION_LOCK = 0x736571;

type Driver = "pg" | "neon";

/** The part of a pg or Neon client this module uses. */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

async function withClient<T>(
  url: string,
  driver: Driver,
  use: (client: Queryable, migrate: () => Promise<void>) => Promise<T>,
): Promise<T> {
  if (driver === "neon") {
    const client = new NeonClient({ connectionString: url });
    await client.connect();
    try {
      return await use(client, () => migrateNeon(drizzleNeon({ client }), { migrationsFolder }));
    } finally {
      await client.end();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client, () => migratePg(drizzlePg({ client }), { migrationsFolder }));
  } finally {
    await client.end();
  }
}

export interface MigrateOptions {
  /** Called once if another process holds the lock, before waiting for it. */
  onWait?: () => void;
}

export async function runMigrations(
  url: string,
  driver: Driver,
  options: MigrateOptions = {},
): Promise<void> {
  await withClient(url, driver, async (client, migrate) => {
    const [tried] = (
      await client.query("select pg_try_advisory_lock($1) as locked", [MIGRATION_LOCK])
    ).rows;
    if (!tried?.locked) {
      options.onWait?.();
      await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    }
    // The lock is a session lock: it goes with the connection, also when a step fails.
    await migrate();
  });
}

export interface CommittedMigration {
  tag: string;
  hash: string;
}

let committed: CommittedMigration[] | undefined;

/** The migrations in db/migrations, in order (read once per process). */
export function committedMigrations(): CommittedMigration[] {
  if (!committed) {
    const journal = (
      JSON.parse(
        // The journal names the files; readMigrationFiles hashes them in the same order.
        fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8"),
      ) as { entries: { tag: string }[] }
    ).entries;
    committed = readMigrationFiles({ migrationsFolder }).map((file, index) => ({
      tag: journal[index]?.tag ?? `#${index}`,
      hash: file.hash,
    }));
  }
  return committed;
}

export interface SchemaStatus {
  /** Committed migrations the database has not applied, in order. */
  missing: string[];
  /** Applied migrations this code does not know. */
  unknown: number;
}

/** Compares the hashes a database recorded with the committed migrations. */
export function compareSchema(appliedHashes: Iterable<string>): SchemaStatus {
  const applied = new Set(appliedHashes);
  const known = new Set<string>();
  const missing: string[] = [];
  for (const migration of committedMigrations()) {
    known.add(migration.hash);
    if (!applied.has(migration.hash)) missing.push(migration.tag);
  }
  let unknown = 0;
  for (const hash of applied) if (!known.has(hash)) unknown++;
  return { missing, unknown };
}

const UNDEFINED_TABLE = "42P01";

/** The hashes of the migrations a database applied; none when it never ran one. */
export async function appliedHashes(client: Queryable): Promise<string[]> {
  try {
    const { rows } = await client.query("select hash from drizzle.__drizzle_migrations");
    return rows.map((row) => String(row.hash));
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return [];
    throw error;
  }
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** Why this code must not serve on a database with this status, in one line; null when it may. */
export function schemaProblem(status: SchemaStatus): string | null {
  if (status.unknown > 0) {
    return `The database schema is newer than this version of Sequent: it has ${plural(status.unknown, "migration", "migrations")} this code does not know. Deploy the version that applied it (or restore the database from before it).`;
  }
  if (status.missing.length > 0) {
    const names = status.missing.slice(0, 3).join(", ");
    const more = status.missing.length > 3 ? ", …" : "";
    return `The database schema is older than this version of Sequent: ${plural(status.missing.length, "migration is", "migrations are")} not applied (${names}${more}). Run "npm run db:migrate", or start with MIGRATE_ON_START=1.`;
  }
  return null;
}

export class SchemaError extends Error {
  override name = "SchemaError";
}

/** Throws a SchemaError (one line) unless the database's schema is exactly the committed one. */
export async function checkSchema(url: string, driver: Driver): Promise<void> {
  const hashes = await withClient(url, driver, (client) => appliedHashes(client));
  const problem = schemaProblem(compareSchema(hashes));
  if (problem) throw new SchemaError(problem);
}
