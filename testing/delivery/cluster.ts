/**
 * The delivery suite's own small deployment: a throwaway PostgreSQL database,
 * a Redis server of its own (so killing it hurts nobody else), and two
 * production app processes (the Node server `npm start` runs) sharing both,
 * each on a fixed loopback port so a restarted instance comes back where its
 * clients look.
 *
 * Unlike testing/app-server.ts, the build is brought up to date once, before
 * the first start, and the instances run from a private copy of it
 * (`.next-delivery-<pid>`, removed afterwards): a restart in the middle of a
 * fault must neither turn into a rebuild because someone edited a file, nor
 * find the build gone because another run rebuilt `.next` meanwhile.
 *
 * Every app connection to PostgreSQL carries an `application_name` of
 * `sequent-delivery-<instance>`, so faults terminate exactly those backends
 * (never the checker's, never another run's).
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { childProcessEnv, env } from "@/lib/env";
import { freePort, isAlive, sleep } from "@/lib/process";
import { ensureProductionBuild } from "@/scripts/build";
import { entryCommand, testAuthSecret } from "@/testing/app-server";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@/testing/throwaway";

const APP_PREFIX = "sequent-delivery-app";

/** Lines of server output that report a fault, counted per instance. */
const FAULT_LINE = /procedure failed|failed:|unhandled|uncaught|pool error|redis \(/i;
/** Errors nothing in the app handled (the process survives them only because Next.js logs them). */
const UNCAUGHT_LINE = /uncaughtException|unhandledRejection/;

function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("application_name", name);
  return parsed.toString();
}

/** Resolves once `port` on loopback accepts a connection and answers `probe` with `expect`. */
async function answers(port: number, probe: string, expect: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write(probe));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes(expect)) done(true);
    });
  });
}

/** A redis-server child process on a fixed loopback port, without persistence. */
export class RedisProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  starts = 0;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort());
    await redis.start();
    return redis;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && !this.child.signalCode;
  }

  /** The process id while it runs (the benchmark reads its CPU time from /proc). */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  async start(): Promise<void> {
    const child = spawn(
      "redis-server",
      ["--bind", "127.0.0.1", "--port", String(this.port), "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    let spawnError: Error | undefined;
    child.once("error", (error) => {
      spawnError = error;
    });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve());
    });
    this.starts++;
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.port, "PING\r\n", "+PONG"))) {
      if (spawnError) throw spawnError;
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error("redis-server did not answer PING within 10 s");
      await sleep(20);
    }
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** How many connections are subscribed to each of these pub/sub channels (PUBSUB NUMSUB). */
  async subscribers(channels: string[]): Promise<Map<string, number>> {
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      const reply = (await client.call("PUBSUB", "NUMSUB", ...channels)) as (string | number)[];
      const counts = new Map<string, number>();
      for (let i = 0; i < reply.length; i += 2) counts.set(String(reply[i]), Number(reply[i + 1]));
      return counts;
    } finally {
      client.disconnect();
    }
  }
}

const readIfThere = (file: string) => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

/**
 * Brings the production build up to date and copies it (without its cache)
 * to a folder of this run's own; retried when another process rebuilt it
 * while it was being copied. Copies left by runs that died are removed.
 */
function copyOfBuild(): { dir: string; remove(): void } {
  const root = process.cwd();
  for (const entry of fs.readdirSync(root)) {
    const owner = /^\.next-delivery-(\d+)$/.exec(entry)?.[1];
    if (owner && !isAlive(Number(owner)))
      fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  const source = path.join(root, env().SEQUENT_BUILD_DIR ?? ".next");
  const dir = `.next-delivery-${process.pid}`;
  const target = path.join(root, dir);
  const remove = () => fs.rmSync(target, { recursive: true, force: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    ensureProductionBuild();
    const id = readIfThere(path.join(source, "BUILD_ID"));
    if (!id) continue;
    remove();
    const cache = path.join(source, "cache");
    fs.cpSync(source, target, { recursive: true, filter: (file) => !file.startsWith(cache) });
    const unchanged =
      readIfThere(path.join(source, "BUILD_ID")) === id &&
      readIfThere(path.join(target, "BUILD_ID")) === id;
    if (unchanged) return { dir, remove };
  }
  remove();
  throw new Error("the production build kept changing while it was being copied");
}

/** Whether a redis-server binary can be started here (null) or why not. */
export async function redisUnavailable(): Promise<string | null> {
  try {
    const redis = await RedisProcess.start();
    await redis.kill();
    return null;
  } catch (error) {
    return `cannot start redis-server (${(error as Error).message})`;
  }
}

export interface InstanceStart {
  /** When the process was spawned and when it first answered /api/health. */
  spawnedAt: number;
  readyAt: number;
}

/** One app process (the Node server) that can be killed, stopped and started again on its port. */
export class AppInstance {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output: string[] = [];
  readonly starts: InstanceStart[] = [];
  /** Fault lines seen in the output of every run of this instance. */
  faultLines = 0;
  private faultSamples: string[] = [];
  /** Uncaught exceptions and unhandled rejections the output reported, with a few examples. */
  uncaught = 0;
  readonly uncaughtSamples: string[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string | undefined>,
  ) {}

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && !this.child.signalCode;
  }

  get applicationName() {
    return `${APP_PREFIX}-${this.name}`;
  }

  /** The last lines of output (for a failed start) and samples of fault lines. */
  diagnostics(): { tail: string; faults: string[] } {
    return { tail: this.output.slice(-40).join("\n"), faults: [...this.faultSamples] };
  }

  async start(): Promise<InstanceStart> {
    if (this.running) throw new Error(`instance ${this.name} is already running`);
    const spawnedAt = Date.now();
    const [command, args] = entryCommand("node", this.port, this.env.SEQUENT_BUILD_DIR);
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: childProcessEnv({
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(this.port),
        AUTH_SECRET: testAuthSecret,
        TEST_DATABASE_URL: undefined,
        DATABASE_DRIVER: "pg",
        ...this.env,
      }),
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        this.output.push(line);
        if (this.output.length > 2_000) this.output = this.output.slice(-1_000);
        if (UNCAUGHT_LINE.test(line)) {
          this.uncaught++;
          if (this.uncaughtSamples.length < 5) this.uncaughtSamples.push(line.slice(0, 400));
        }
        if (FAULT_LINE.test(line)) {
          this.faultLines++;
          if (this.faultSamples.length < 20) this.faultSamples.push(line.slice(0, 400));
        }
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `instance ${this.name} exited during start (${child.exitCode ?? child.signalCode}):\n${this.diagnostics().tail}`,
        );
      }
      try {
        const response = await fetch(`${this.url}/api/health`, {
          signal: AbortSignal.timeout(2_000),
        });
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {}
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(
          `instance ${this.name} did not answer within 60 s:\n${this.diagnostics().tail}`,
        );
      }
      await sleep(50);
    }
    const started = { spawnedAt, readyAt: Date.now() };
    this.starts.push(started);
    return started;
  }

  /** SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, as a deploy would; SIGKILL after `graceMs`. Says how long it took and whether it had to kill. */
  async stop(graceMs = 10_000): Promise<{ ms: number; killed: boolean }> {
    const began = Date.now();
    if (!this.running) return { ms: 0, killed: false };
    this.child?.kill("SIGTERM");
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child?.kill("SIGKILL");
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    return { ms: Date.now() - began, killed };
  }
}

export interface Cluster {
  database: ThrowawayDatabase;
  redis: RedisProcess;
  instances: [AppInstance, AppInstance];
  /** A connection for the checker and the faults (its own application_name, never terminated). */
  admin: pg.Client;
  /** Terminates app backends on the run's database: all of them, or `limit` chosen at random. */
  terminateAppConnections(limit?: number): Promise<number>;
  /** App backends on the run's database now. */
  appConnections(): Promise<number>;
  dispose(): Promise<void>;
}

/** Clusters not yet disposed, so an interrupted run can still clean up. */
const live = new Set<() => Promise<void>>();

/** Disposes every cluster of this process (for SIGINT/SIGTERM handlers). */
export async function disposeAllClusters(): Promise<void> {
  await Promise.all([...live].map((dispose) => dispose()));
}

export interface ClusterOptions {
  /** PostgreSQL server for the throwaway database; undefined: an embedded one. */
  databaseServerUrl: string | undefined;
  /** Extra environment for both app processes. */
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? (() => {});
  const disposers: (() => Promise<unknown>)[] = [];
  const dispose = async () => {
    live.delete(dispose);
    for (const step of disposers.splice(0).reverse()) await step().catch(() => {});
  };
  live.add(dispose);
  try {
    const database = await createThrowawayDatabase({
      prefix: "sequent_delivery",
      serverUrl: options.databaseServerUrl,
    });
    disposers.push(() => database.dispose());
    const databaseName = new URL(database.url).pathname.slice(1);

    const redis = await RedisProcess.start();
    disposers.push(() => redis.kill());
    log(`redis-server on port ${redis.port}; database ${databaseName}`);

    const build = copyOfBuild();
    disposers.push(async () => build.remove());
    log(`instances run from a copy of the production build in ${build.dir}`);

    const ports = [await freePort(), await freePort()];
    const instances = ["a", "b"].map(
      (name, i) =>
        new AppInstance(name, ports[i] as number, {
          DATABASE_URL: withApplicationName(database.url, `${APP_PREFIX}-${name}`),
          REDIS_URL: redis.url,
          SEQUENT_BUILD_DIR: build.dir,
          ...options.env,
        }),
    ) as [AppInstance, AppInstance];
    disposers.push(() => Promise.all(instances.map((instance) => instance.kill())));
    await Promise.all(instances.map((instance) => instance.start()));
    log(`instances on ports ${instances.map((instance) => instance.port).join(" and ")}`);

    const admin = new pg.Client({
      connectionString: withApplicationName(database.url, "sequent-delivery-checker"),
    });
    await admin.connect();
    // An error on the idle admin connection must not crash the run; the next query reports it.
    admin.on("error", () => {});
    disposers.push(() => admin.end());

    const appBackends = `FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE '${APP_PREFIX}-%' AND pid <> pg_backend_pid()`;
    return {
      database,
      redis,
      instances,
      admin,
      async terminateAppConnections(limit) {
        const result = await admin.query<{ terminated: boolean }>(
          `SELECT pg_terminate_backend(pid) AS terminated FROM (SELECT pid ${appBackends} ORDER BY random() ${limit ? `LIMIT ${Math.floor(limit)}` : ""}) AS victims`,
          [databaseName],
        );
        return result.rows.filter((row) => row.terminated).length;
      },
      async appConnections() {
        const result = await admin.query<{ count: number }>(
          `SELECT count(*)::int AS count ${appBackends}`,
          [databaseName],
        );
        return result.rows[0]?.count ?? 0;
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
