/**
 * What every scenario gets: options, progress output, the database, the
 * fixture and the app server — by default one instance, or with
 * `--instances` a deployment of several behind a loopback balancer sharing
 * a Redis of its own.
 */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { parseEnv } from "@/lib/env";
import { sleep } from "@/lib/process";
import type { AppServer, Entry } from "@/testing/app-server";
import { type Balancer, startBalancer } from "@/testing/balancer";
import { RedisProcess } from "@/testing/delivery/cluster";
import type { BenchDatabase } from "./database";
import { HttpClient } from "./http";
import { formatSummary, newProfiles, summarizeProfile } from "./profile";
import type { Recorder } from "./report";
import type { Fixture } from "./seed";
import { diagnostics, faultLines, startBenchServer } from "./server";

export interface Options {
  quick: boolean;
  /** Runs per figure (median of these). */
  runs: number;
  only: Set<string> | undefined;
  /** Measured seconds per throughput run. */
  sendSeconds: number;
  warmupSeconds: number;
  concurrencies: number[];
  spreadChannels: number;
  fanoutSizes: number[];
  fanoutSeconds: number;
  stormSubscribers: number;
  stormMessages: number;
  historyMessages: number;
  listChannels: number;
  readRequests: number;
  sseEncoding: "browser" | "identity";
  /** Which server runs the app: the Node server of `npm start`, or plain `next start`. */
  entry: Entry;
  /** Where the app server writes CPU profiles (--profile), if anywhere. */
  profileDir: string | undefined;
  /**
   * App instances to compare with one (--instances): above 1, the send and
   * fan-out scenarios measure the layouts side by side instead of their
   * usual figures.
   */
  instances: number;
}

/** How the app runs for a measurement. */
export interface Layout {
  instances: number;
  /** A redis-server of the deployment's own, in REDIS_URL of every instance. */
  redis: boolean;
  /** Clients reach the instances through testing/balancer.ts, as in production. */
  balanced: boolean;
}

/** What every scenario ran on before --instances: one server, in-process fan-out, no balancer. */
export const singleServer: Layout = { instances: 1, redis: false, balanced: false };

export const layoutLabel = (layout: Layout) =>
  `${layout.instances} instance${layout.instances === 1 ? "" : "s"}${layout.redis ? " + Redis" : ""}`;

export const layoutKey = (layout: Layout) => `${layout.instances}${layout.redis ? "-redis" : ""}`;

/**
 * What --instances compares: one instance (in-process fan-out), one with
 * Redis (what Redis alone costs), and `instances` sharing a Redis — all
 * behind the balancer, so every layout's clients take the same path.
 */
export function comparedLayouts(instances: number): Layout[] {
  return [
    { instances: 1, redis: false, balanced: true },
    { instances: 1, redis: true, balanced: true },
    { instances, redis: true, balanced: true },
  ];
}

/** One running app instance, reached directly (for its diagnostics and CPU). */
export interface Instance {
  server: AppServer;
  client: HttpClient;
  pid: number;
}

export interface Deployment {
  layout: Layout;
  /** The first (or only) instance's server. */
  server: AppServer;
  /** A keep-alive client of `url`. */
  client: HttpClient;
  /** Where clients connect: the server, or the balancer in front of the instances. */
  url: string;
  instances: Instance[];
  balancer: Balancer | undefined;
  redis: RedisProcess | undefined;
}

export interface BenchContext {
  options: Options;
  root: string;
  recorder: Recorder;
  database: BenchDatabase;
  pool: pg.Pool;
  fixture: Fixture;
  pgbench: string | undefined;
  log(line: string): void;
  /** The running app server (the first deployment's) and a keep-alive client for it. */
  app(): Deployment;
  /** Stops the current servers (noting their faults) and starts a fresh one for `label`. */
  restartApp(label: string, layout?: Layout): Promise<Deployment>;
  /** Like restartApp, with several deployments running side by side (each its own Redis). */
  restartApps(label: string, layouts: Layout[]): Promise<Deployment[]>;
  stopApp(): Promise<void>;
}

export const now = () => performance.now();

/** Waits until `check` holds, polling every `every` ms; false on timeout. */
export async function waitUntil(check: () => boolean, timeoutMs: number, every = 10) {
  const deadline = now() + timeoutMs;
  while (!check()) {
    if (now() > deadline) return false;
    await sleep(every);
  }
  return true;
}

/** What is running now: the deployments, and everything of them to stop (also of one whose start failed). */
interface Running {
  label: string;
  at: number;
  deployments: Deployment[];
  servers: { server: AppServer; number: number }[];
  /** Clients and balancers, closed before the servers stop. */
  closers: (() => Promise<void> | void)[];
  /** Stopped after the servers, so no server logs a lost Redis as a fault. */
  redises: RedisProcess[];
}

/** Owns the app server children: (re)starts them, and reports fault lines from their output when they stop. */
export class AppHandle {
  private current: Running | undefined;
  private starts = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly recorder: Recorder,
    private readonly log: (line: string) => void,
    private readonly options: Pick<Options, "profileDir" | "entry">,
  ) {}

  private get profileDir() {
    return this.options.profileDir;
  }

  get(): Deployment {
    const first = this.current?.deployments[0];
    if (!first) throw new Error("the app server is not running");
    return first;
  }

  async restart(label: string, layout: Layout = singleServer): Promise<Deployment> {
    const [deployment] = await this.restartMany(label, [layout]);
    return deployment as Deployment;
  }

  async restartMany(label: string, layouts: Layout[]): Promise<Deployment[]> {
    await this.stop();
    const running: Running = {
      label,
      at: Date.now(),
      deployments: [],
      servers: [],
      closers: [],
      redises: [],
    };
    this.current = running;
    for (const layout of layouts) running.deployments.push(await this.deploy(layout, running));
    return running.deployments;
  }

  private async deploy(layout: Layout, running: Running): Promise<Deployment> {
    let redis: RedisProcess | undefined;
    if (layout.redis) {
      redis = await RedisProcess.start();
      running.redises.push(redis);
    }
    const instances: Instance[] = [];
    for (let i = 0; i < layout.instances; i++) {
      const started = now();
      const server = await startBenchServer(this.databaseUrl, {
        ...this.options,
        redisUrl: redis?.url,
      });
      this.starts++;
      running.servers.push({ server, number: this.starts });
      const client = new HttpClient(server.url, 512);
      running.closers.push(() => client.close());
      const info = await diagnostics(client);
      const shape = layout === singleServer ? "" : `, ${layoutLabel(layout)}`;
      this.log(
        `app server ${this.starts} (${server.entry} entry${shape}) up on ${server.url} (pid ${info.pid}, ${Math.round(now() - started)} ms, ` +
          `database pool: the default ${parseEnv({}).DATABASE_POOL_SIZE} connections)`,
      );
      instances.push({ server, client, pid: info.pid });
    }
    const first = instances[0];
    if (!first) throw new Error("a deployment needs at least one instance");
    let balancer: Balancer | undefined;
    let client = first.client;
    if (layout.balanced) {
      const started = await startBalancer(instances.map((instance) => instance.server.port));
      balancer = started;
      running.closers.push(() => started.close());
      client = new HttpClient(started.url, 512);
      const own = client;
      running.closers.push(() => own.close());
      this.log(
        `balancer on ${started.url} in front of ${layoutLabel(layout)}${redis ? ` (redis-server on port ${redis.port})` : ""}`,
      );
    }
    return {
      layout,
      server: first.server,
      client,
      url: balancer?.url ?? first.server.url,
      instances,
      balancer,
      redis,
    };
  }

  async stop() {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    for (const close of current.closers.reverse()) await close();
    for (const { server, number } of current.servers) {
      await server.stop();
      const faults = faultLines(server.output());
      if (faults.length > 0) {
        this.recorder.anomaly(
          `app server ${number} logged ${faults.length} fault line(s); first: ${faults.slice(0, 3).join(" / ")}`,
        );
      }
    }
    for (const redis of current.redises) await redis.kill();
    if (this.profileDir) {
      const files = newProfiles(this.profileDir, current.at);
      files.forEach((file, k) => {
        const summary = summarizeProfile(file);
        const renamed = path.join(
          this.profileDir as string,
          `${current.label.replace(/[^\w.-]+/g, "-")}-${this.starts}${files.length > 1 ? `-${k + 1}` : ""}.cpuprofile`,
        );
        fs.renameSync(file, renamed);
        summary.file = renamed;
        this.recorder.raw("profiles", { label: current.label, ...summary });
        const line = formatSummary(current.label, summary);
        this.recorder.note(line);
        this.log(line);
      });
    }
  }
}
