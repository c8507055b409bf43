/**
 * The database module: the one place that picks a driver and hands out the
 * process's Drizzle instance.
 *
 * - no DATABASE_URL: the embedded PostgreSQL (db/embedded.ts), node-postgres pool
 * - a postgres:// URL: node-postgres pool
 * - a Neon URL or DATABASE_DRIVER=neon: @neondatabase/serverless WebSocket Pool
 *   (its HTTP driver has no interactive transactions, which sends need)
 *
 * Before the first caller gets the instance, migrations are applied (unless
 * MIGRATE_ON_START=0: several instances then migrate as a deploy step) and
 * the schema is checked to be exactly the committed one (db/migrate.ts).
 */
import { Pool as NeonPool, neonConfig } from "@neondatabase/serverless";
import { drizzle as drizzleNeon } from "drizzle-orm/neon-serverless";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import ws from "ws";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";
import { checkSchema, runMigrations } from "./migrate";
import * as schema from "./schema";

export type Schema = typeof schema;
/**
 * A Drizzle database or transaction handle; domain functions take either.
 * Typed as node-postgres: the Neon WebSocket Pool returns the same result shape.
 */
export type Db = Omit<NodePgDatabase<Schema>, "$client">;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type Driver = "pg" | "neon";

export interface Database {
  db: Db;
  driver: Driver;
  url: string;
  /** Open and idle pool connections, and callers waiting for one (diagnostics, metrics). */
  connections(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface ConnectOptions {
  max?: number;
  /** For Neon through a local WebSocket-to-TCP proxy ("host:port"), as in tests. */
  neonWsProxy?: string;
  logQueries?: boolean;
}

neonConfig.webSocketConstructor = ws;

/** Opens a pool on `url` with the given driver. */
export function connect(url: string, driver: Driver, options: ConnectOptions = {}): Database {
  const max = options.max ?? 10;
  const logger = options.logQueries ?? false;
  if (driver === "neon" && options.neonWsProxy) {
    const proxy = options.neonWsProxy;
    neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
  const pool =
    driver === "neon"
      ? new NeonPool({ connectionString: url, max })
      : new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  pool.on("error", (error: Error) => console.error("database pool error:", error.message));
  // A connection terminated while checked out (in a transaction) errs on the
  // client, not the pool; without a listener that is an uncaught exception.
  // The query on it fails on its own and its caller answers for it.
  (pool as pg.Pool).on("connect", (client: pg.PoolClient) => {
    client.on("error", (error: Error) =>
      console.error("database connection error:", error.message),
    );
  });
  const db = (driver === "neon"
    ? drizzleNeon({ client: pool as NeonPool, schema, logger })
    : drizzlePg({ client: pool as pg.Pool, schema, logger })) as unknown as Db;
  return {
    db,
    driver,
    url,
    connections: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
    close: () => pool.end(),
  };
}

interface ProcessDatabase {
  promise?: Promise<Database>;
  stopEmbedded?: () => Promise<void>;
}

// One pool and one embedded server per process, also across development reloads.
const state = processSingleton<ProcessDatabase>("database", () => ({}));

export interface OpenOptions {
  /** Migrate whatever MIGRATE_ON_START says (`npm run db:migrate` always does). */
  migrate?: boolean;
}

async function open(options: OpenOptions): Promise<Database> {
  const config = env();
  let url = config.DATABASE_URL;
  if (!url) {
    // Loaded only here, so a process with a DATABASE_URL never loads the
    // embedded server's code (which, as root, may run useradd).
    const { startEmbeddedPostgres } = await import("./embedded");
    const embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      log: (line) => console.log(line),
    });
    state.stopEmbedded = embedded.stop;
    url = embedded.url;
  }
  const driver: Driver = config.databaseDriver === "neon" ? "neon" : "pg";
  if (options.migrate ?? config.MIGRATE_ON_START === "1") {
    await runMigrations(url, driver, {
      onWait: () => console.log("waiting for another process to finish migrating"),
    });
  }
  await checkSchema(url, driver);
  return connect(url, driver, {
    max: config.DATABASE_POOL_SIZE,
    logQueries: config.LOG_QUERIES === "1",
  });
}

/** The process's database, migrated; starts the embedded server on first use when needed. */
export function getDatabase(options: OpenOptions = {}): Promise<Database> {
  state.promise ??= open(options).catch((error) => {
    state.promise = undefined;
    throw error;
  });
  return state.promise;
}

/** The process's database if it was asked for already (it may still be opening); never opens it. */
export function openedDatabase(): Promise<Database> | undefined {
  return state.promise;
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

/** Closes the pool and stops the embedded server if this process started it (scripts and tests). */
export async function closeDatabase(): Promise<void> {
  const pending = state.promise;
  state.promise = undefined;
  if (pending) await (await pending.catch(() => undefined))?.close();
  const stop = state.stopEmbedded;
  state.stopEmbedded = undefined;
  await stop?.();
}
