/**
 * Readiness: whether this instance should get traffic now (GET /api/ready).
 * Liveness (GET /api/health) only says the process answers; a load balancer
 * that restarted instances on a database outage would restart them all.
 *
 * Ready means: not draining (shutdown calls markDraining() first, so the
 * balancer stops sending before streams are ended), the database answers,
 * every committed migration is applied and none unknown is (db/migrate.ts),
 * and Redis answers when REDIS_URL is set. Each check has a short timeout so
 * a dependency that hangs (a dropped packet, not a refused connection) gives
 * a quick "not ready" instead of a probe that times out with no reason.
 */
import { sql } from "drizzle-orm";
import { type Database, getDatabase } from "@/db/client";
import { compareSchema, schemaProblem } from "@/db/migrate";
import { processSingleton } from "@/lib/singleton";
import { redis } from "@/server/redis";

const DATABASE_TIMEOUT_MS = 2_000;
const REDIS_TIMEOUT_MS = 1_000;

const state = processSingleton("ops:readiness", () => ({ draining: false }));

/** From now on this instance answers "not ready": it is shutting down. */
export function markDraining(): void {
  state.draining = true;
}

export function isDraining(): boolean {
  return state.draining;
}

export interface Check {
  ok: boolean;
  /** Why not, in one line. */
  reason?: string;
  ms?: number;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, Check>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  // A late rejection of the abandoned call must not become an unhandled one.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Drizzle wraps a driver's error in "Failed query: …"; the driver's says what went wrong. */
function reasonOf(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: string; cause?: { message?: string } };
  const text = cause?.message || message || String(error);
  return text.split("\n")[0]?.slice(0, 300) || "failed";
}

async function timed(check: () => Promise<Check>): Promise<Check> {
  const started = performance.now();
  let result: Check;
  try {
    result = await check();
  } catch (error) {
    result = { ok: false, reason: reasonOf(error) };
  }
  return { ...result, ms: Math.round(performance.now() - started) };
}

const UNDEFINED_TABLE = "42P01";
const sqlState = (error: unknown) => {
  const candidate = error as { code?: string; cause?: { code?: string } };
  return candidate?.code ?? candidate?.cause?.code;
};

/** The hashes of the applied migrations; none when no migration ever ran. */
async function appliedHashes(database: () => Promise<Database>): Promise<string[]> {
  const { db } = await database();
  try {
    const result = await db.execute(sql`select hash from drizzle.__drizzle_migrations`);
    return (result.rows as { hash: string }[]).map((row) => row.hash);
  } catch (error) {
    if (sqlState(error) === UNDEFINED_TABLE) return [];
    throw error;
  }
}

/** The database and its schema, in one query: reading the migrations table proves the first. */
async function databaseChecks(database: () => Promise<Database>): Promise<Record<string, Check>> {
  let hashes: string[] = [];
  const reachable = await timed(async () => {
    hashes = await withTimeout(appliedHashes(database), DATABASE_TIMEOUT_MS, "the database");
    return { ok: true };
  });
  if (!reachable.ok) {
    return {
      database: reachable,
      migrations: { ok: false, reason: "not checked: the database did not answer" },
    };
  }
  const problem = schemaProblem(compareSchema(hashes));
  return {
    database: reachable,
    migrations: problem ? { ok: false, reason: problem } : { ok: true },
  };
}

async function redisCheck(): Promise<Check | undefined> {
  const client = redis();
  if (!client) return undefined;
  return timed(async () => {
    await withTimeout(client.ping(), REDIS_TIMEOUT_MS, "Redis");
    return { ok: true };
  });
}

export async function readiness(
  options: { database?: () => Promise<Database> } = {},
): Promise<Readiness> {
  if (state.draining) {
    return { ready: false, checks: { draining: { ok: false, reason: "shutting down" } } };
  }
  const [database, redisResult] = await Promise.all([
    databaseChecks(options.database ?? (() => getDatabase())),
    redisCheck(),
  ]);
  const checks: Record<string, Check> = { ...database };
  if (redisResult) checks.redis = redisResult;
  return { ready: Object.values(checks).every((check) => check.ok), checks };
}
