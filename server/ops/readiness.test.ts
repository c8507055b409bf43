/**
 * Liveness, readiness and start-up against the production build: /api/ready
 * follows the database and Redis as they go away and come back while
 * /api/health stays up, a draining process is not ready, and a real process
 * start refuses a schema older (MIGRATE_ON_START=0) or newer than its code
 * with one line and exit code 1.
 */
import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { committedMigrations } from "@/db/migrate";
import { freePort, waitFor } from "@/lib/process";
import { type AppServer, startAppServer } from "@/testing/app-server";
import { testDatabase } from "@/testing/db";
import { RedisProcess, redisUnavailable } from "@/testing/delivery/cluster";
import { applyFirstMigrations, recordUnknownMigration } from "@/testing/migrations";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@/testing/throwaway";
import { isDraining, markDraining, readiness } from "./readiness";

interface ReadyBody {
  ready: boolean;
  checks: Record<string, { ok: boolean; reason?: string; ms?: number }>;
}

async function probe(url: string, path = "/api/ready") {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return {
    status: response.status,
    body: (await response.json()) as ReadyBody,
    ms: performance.now() - started,
  };
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: inject("databaseServerUrl") });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const databases: ThrowawayDatabase[] = [];
const servers: AppServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await Promise.all(databases.map((database) => database.dispose()));
});

async function newDatabase(migrate = true) {
  const database = await createThrowawayDatabase({
    prefix: "sequent_ready",
    serverUrl: inject("databaseServerUrl"),
    migrate,
  });
  databases.push(database);
  return database;
}

async function start(databaseUrl: string, extra: Record<string, string | undefined> = {}) {
  const server = await startAppServer({
    databaseUrl,
    env: { REDIS_URL: undefined, METRICS_TOKEN: undefined, ...extra },
  });
  servers.push(server);
  return server;
}

/** Starts a server that is expected to refuse: its exit and output. */
async function refusedStart(databaseUrl: string, extra: Record<string, string | undefined>) {
  try {
    await start(databaseUrl, extra);
  } catch (error) {
    const message = (error as Error).message;
    const exited = /exited with (\d+):\n([\s\S]*)$/.exec(message);
    if (!exited) throw error;
    return { code: Number(exited[1]), output: exited[2] ?? "" };
  }
  throw new Error("the server started, but it should have refused");
}

describe("readiness of a live server", () => {
  let database: ThrowawayDatabase;
  let server: AppServer;
  const name = () => new URL(database.url).pathname.slice(1);

  beforeAll(async () => {
    database = await newDatabase();
    server = await start(database.url);
  }, 600_000);

  it("is ready with each check reported, and alive", async () => {
    const ready = await probe(server.url);
    expect(ready.status).toBe(200);
    expect(ready.body.ready).toBe(true);
    expect(ready.body.checks.database?.ok).toBe(true);
    expect(ready.body.checks.migrations?.ok).toBe(true);
    expect(ready.body.checks.redis).toBeUndefined();
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
  });

  it("is not ready while the database refuses connections, quickly and saying why; alive throughout; ready again after", async () => {
    await admin(`alter database "${name()}" allow_connections false`);
    try {
      await admin(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name()}'`,
      );
      // A pooled connection the server has not yet seen die answers first
      // ("terminating connection…"); then new ones are refused.
      const answers: Awaited<ReturnType<typeof probe>>[] = [];
      await waitFor(
        async () => {
          answers.push(await probe(server.url));
          return /not currently accepting connections/.test(
            answers.at(-1)?.body.checks.database?.reason ?? "",
          );
        },
        10_000,
        "the refusal as the reason",
      );
      for (const down of answers) {
        expect(down.status).toBe(503);
        expect(down.body.ready).toBe(false);
        expect(down.body.checks.database?.ok).toBe(false);
        expect(down.body.checks.migrations?.ok).toBe(false);
        expect(down.ms).toBeLessThan(3_000);
      }
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    } finally {
      await admin(`alter database "${name()}" allow_connections true`);
    }
    await waitFor(async () => (await probe(server.url)).status === 200, 10_000, "ready again");
  });

  it("answers 404 for /api/metrics when METRICS_TOKEN is unset, token or not", async () => {
    const plain = await fetch(`${server.url}/api/metrics`);
    expect(plain.status).toBe(404);
    const withToken = await fetch(`${server.url}/api/metrics`, {
      headers: { authorization: `Bearer ${"x".repeat(32)}` },
    });
    expect(withToken.status).toBe(404);
    expect(await withToken.text()).not.toContain("sequent_");
  });

  it("is not ready once its database is dropped", async () => {
    await admin(`drop database "${name()}" with (force)`);
    const gone = await probe(server.url);
    expect(gone.status).toBe(503);
    expect(gone.body.checks.database?.reason).toMatch(/does not exist/);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });
});

const redisSkip = await redisUnavailable();

describe.skipIf(redisSkip !== null)(
  `readiness with Redis${redisSkip ? ` (skipped: ${redisSkip})` : ""}`,
  () => {
    it("follows Redis going away and coming back", async () => {
      const redis = await RedisProcess.start();
      try {
        const server = await start(inject("databaseUrl"), { REDIS_URL: redis.url });
        const up = await probe(server.url);
        expect(up.status).toBe(200);
        expect(up.body.checks.redis?.ok).toBe(true);
        await redis.kill();
        await waitFor(
          async () => (await probe(server.url)).status === 503,
          5_000,
          "not ready without Redis",
        );
        const down = await probe(server.url);
        expect(down.body.checks.redis?.ok).toBe(false);
        expect(down.body.checks.redis?.reason).toBeTruthy();
        expect(down.body.checks.database?.ok).toBe(true);
        expect(down.ms).toBeLessThan(3_000);
        await redis.start();
        await waitFor(
          async () => (await probe(server.url)).status === 200,
          15_000,
          "ready with Redis back",
        );
      } finally {
        await redis.kill();
      }
    });

    it("is not ready within about a second when Redis hangs instead of refusing", async () => {
      const port = await freePort();
      const redis = spawn(
        "redis-server",
        ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
        { stdio: "ignore" },
      );
      try {
        // Ready only once Redis answers.
        const server = await start(inject("databaseUrl"), {
          REDIS_URL: `redis://127.0.0.1:${port}`,
        });
        redis.kill("SIGSTOP");
        const hung = await probe(server.url);
        expect(hung.status).toBe(503);
        expect(hung.body.checks.redis?.reason).toBe("Redis did not answer within 1000 ms");
        expect(hung.body.checks.database?.ok).toBe(true);
        expect(hung.ms).toBeLessThan(2_500);
        redis.kill("SIGCONT");
        await waitFor(async () => (await probe(server.url)).status === 200, 10_000, "ready again");
      } finally {
        redis.kill("SIGKILL");
      }
    });
  },
);

describe("start-up and the schema", () => {
  const all = committedMigrations();

  it("refuses an older schema with MIGRATE_ON_START=0: one line, exit code 1", async () => {
    const database = await newDatabase(false);
    await applyFirstMigrations(database.url, all.length - 1);
    const { code, output } = await refusedStart(database.url, { MIGRATE_ON_START: "0" });
    expect(code).toBe(1);
    const lines = output.split("\n").filter((line) => line.includes("schema"));
    expect(lines).toEqual([
      `Start-up failed: The database schema is older than this version of Sequent: 1 migration is not applied (${all.at(-1)?.tag}). Run "npm run db:migrate", or start with MIGRATE_ON_START=1.`,
    ]);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it("migrates an older schema with MIGRATE_ON_START=1 (the default) and serves", async () => {
    const database = await newDatabase(false);
    await applyFirstMigrations(database.url, all.length - 1);
    const server = await start(database.url, { MIGRATE_ON_START: undefined });
    const ready = await probe(server.url);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.migrations?.ok).toBe(true);
  });

  it.each(["0", "1"])(
    "refuses a newer schema with MIGRATE_ON_START=%s: one line, exit code 1",
    async (setting) => {
      const database = await newDatabase();
      await recordUnknownMigration(database.url);
      const { code, output } = await refusedStart(database.url, { MIGRATE_ON_START: setting });
      expect(code).toBe(1);
      const lines = output.split("\n").filter((line) => line.includes("schema"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^Start-up failed: The database schema is newer than this version of Sequent: it has 1 migration this code does not know\./,
      );
      expect(output).not.toMatch(/^\s+at /m);
    },
  );
});

describe("draining (in this process)", () => {
  const { db } = testDatabase("pg", 2);
  const database = async () => ({
    db,
    driver: "pg" as const,
    url: "",
    connections: () => ({ total: 0, idle: 0, waiting: 0 }),
    close: async () => {},
  });

  it("is ready, then not ready for good once markDraining() was called", async () => {
    // Redis is checked too when this process has REDIS_URL; what matters here is the database.
    expect(await readiness({ database })).toMatchObject({
      checks: { database: { ok: true }, migrations: { ok: true } },
    });
    markDraining();
    expect(isDraining()).toBe(true);
    expect(await readiness({ database })).toEqual({
      ready: false,
      checks: { draining: { ok: false, reason: "shutting down" } },
    });
  });
});
