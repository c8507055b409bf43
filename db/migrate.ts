/**
 * Applies the committed drizzle-kit migrations. Several app instances may
 * start at once against one database, so the run holds a PostgreSQL advisory
 * lock on a dedicated connection.
 */
import path from "node:path";
import { Client as NeonClient } from "@neondatabase/serverless";
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

export async function runMigrations(url: string, driver: "pg" | "neon"): Promise<void> {
  if (driver === "neon") {
    const client = new NeonClient({ connectionString: url });
    await client.connect();
    try {
      await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await migrateNeon(drizzleNeon({ client }), { migrationsFolder });
    } finally {
      await client.end();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migratePg(drizzlePg({ client }), { migrationsFolder });
  } finally {
    await client.end();
  }
}
