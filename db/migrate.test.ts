/**
 * Migrations on deploy: `npm run db:migrate` raced from two real processes
 * applies the schema once, and the schema check tells an older database from
 * a newer one in one line each.
 */
import { type ChildProcess, spawn } from "node:child_process";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { childProcessEnv } from "@/lib/env";
import { waitFor } from "@/lib/process";
import { applyFirstMigrations, recordUnknownMigration, withClient } from "@/testing/migrations";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@/testing/throwaway";
import { checkSchema, committedMigrations, compareSchema, SchemaError } from "./migrate";

const MIGRATION_LOCK = 0x736571;

const databases: ThrowawayDatabase[] = [];
afterEach(async () => {
  await Promise.all(databases.splice(0).map((database) => database.dispose()));
});

async function emptyDatabase(): Promise<ThrowawayDatabase> {
  const database = await createThrowawayDatabase({
    prefix: "sequent_migrate",
    serverUrl: inject("databaseServerUrl"),
    migrate: false,
  });
  databases.push(database);
  return database;
}

interface Run {
  child: ChildProcess;
  output: string;
  exit: Promise<number | null>;
}

function dbMigrate(url: string): Run {
  const child = spawn("npm", ["run", "--silent", "db:migrate"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({
      DATABASE_URL: url,
      DATABASE_DRIVER: "pg",
      TEST_DATABASE_URL: undefined,
      MIGRATE_ON_START: "0",
    }),
  });
  const run: Run = {
    child,
    output: "",
    exit: new Promise((resolve) => child.once("exit", (code) => resolve(code))),
  };
  child.stdout?.on("data", (chunk) => {
    run.output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    run.output += chunk;
  });
  return run;
}

describe("npm run db:migrate from several processes at once", () => {
  it("applies every migration exactly once; both exit 0", async () => {
    const database = await emptyDatabase();
    // Hold the lock until both processes are blocked on it, so they really
    // race: released together, one migrates and the other finds it done.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    let runs: Run[] = [];
    try {
      await holder.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      runs = [dbMigrate(database.url), dbMigrate(database.url)];
      await waitFor(
        async () => {
          const { rows } = await holder.query(
            `select count(*)::int as waiting from pg_locks
              where locktype = 'advisory' and objid = $1 and not granted`,
            [MIGRATION_LOCK],
          );
          return rows[0].waiting === 2;
        },
        60_000,
        "both migrate processes to wait for the lock",
      );
      await holder.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
      const codes = await Promise.all(runs.map((run) => run.exit));
      expect(codes, runs.map((run) => run.output).join("\n---\n")).toEqual([0, 0]);
      for (const run of runs) {
        expect(run.output).toContain("waiting for another process to finish migrating");
        expect(run.output).toContain("migrations applied (pg)");
      }
      const { rows } = await holder.query<{ hash: string }>(
        "select hash from drizzle.__drizzle_migrations order by id",
      );
      expect(rows.map((row) => row.hash)).toEqual(committedMigrations().map((m) => m.hash));
      const tables = await holder.query(
        "select count(*)::int as n from pg_tables where schemaname = 'public' and tablename = 'messages'",
      );
      expect(tables.rows[0].n).toBe(1);
    } finally {
      for (const run of runs) if (run.child.exitCode === null) run.child.kill("SIGKILL");
      await holder.end();
    }
  });

  it("races without help too: two processes started together on an empty database", async () => {
    const database = await emptyDatabase();
    const runs = [dbMigrate(database.url), dbMigrate(database.url)];
    const codes = await Promise.all(runs.map((run) => run.exit));
    expect(codes, runs.map((run) => run.output).join("\n---\n")).toEqual([0, 0]);
    const hashes = await withClient(database.url, async (client) =>
      (await client.query("select hash from drizzle.__drizzle_migrations")).rows.map(
        (row) => row.hash as string,
      ),
    );
    expect(hashes).toHaveLength(committedMigrations().length);
    expect(compareSchema(hashes)).toEqual({ missing: [], unknown: 0 });
  });

  it("refuses a newer database in one line and exits 1", async () => {
    const database = await emptyDatabase();
    await applyFirstMigrations(database.url, committedMigrations().length);
    await recordUnknownMigration(database.url);
    const run = dbMigrate(database.url);
    expect(await run.exit).toBe(1);
    expect(run.output.trim()).toMatch(
      /^The database schema is newer than this version of Sequent: it has 1 migration this code does not know\./,
    );
    expect(run.output.trim().split("\n")).toHaveLength(1);
  });
});

describe("the schema check", () => {
  const schemaError = async (url: string) => {
    try {
      await checkSchema(url, "pg");
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as Error).message).not.toContain("\n");
      return (error as Error).message;
    }
  };
  const all = committedMigrations();

  it("passes a database with exactly the committed migrations", async () => {
    const database = await emptyDatabase();
    await applyFirstMigrations(database.url, all.length);
    expect(await schemaError(database.url)).toBeNull();
  });

  it("calls a database that never migrated older, naming what is missing", async () => {
    const database = await emptyDatabase();
    const message = await schemaError(database.url);
    expect(message).toContain("older than this version");
    expect(message).toContain(all[0]?.tag);
    expect(message).toContain('Run "npm run db:migrate"');
  });

  it("calls a database without the last migration older, naming it", async () => {
    const database = await emptyDatabase();
    await applyFirstMigrations(database.url, all.length - 1);
    const message = await schemaError(database.url);
    expect(message).toContain(`1 migration is not applied (${all.at(-1)?.tag})`);
  });

  it("calls a database with a migration this code does not know newer", async () => {
    const database = await emptyDatabase();
    await applyFirstMigrations(database.url, all.length);
    await recordUnknownMigration(database.url);
    expect(await schemaError(database.url)).toMatch(/newer than this version/);
  });

  it("calls an edited migration unknown too (its hash changed)", () => {
    const hashes = all.map((migration) => migration.hash);
    hashes[0] = "0".repeat(64);
    expect(compareSchema(hashes)).toEqual({ missing: [all[0]?.tag], unknown: 1 });
  });
});
