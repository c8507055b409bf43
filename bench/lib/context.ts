/** What every scenario gets: options, progress output, the database, the fixture and the app server. */
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type pg from "pg";
import { parseEnv } from "@/lib/env";
import { sleep } from "@/lib/process";
import type { AppServer, Entry } from "@/testing/app-server";
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
  /** The running app server and a keep-alive client for it. */
  app(): { server: AppServer; client: HttpClient };
  /** Stops the current server (noting its faults) and starts a fresh one for `label`. */
  restartApp(label: string): Promise<{ server: AppServer; client: HttpClient }>;
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

/** Owns the app server child: (re)starts it, and reports fault lines from its output when it stops. */
export class AppHandle {
  private current: { server: AppServer; client: HttpClient; label: string; at: number } | undefined;
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

  get(): { server: AppServer; client: HttpClient } {
    if (!this.current) throw new Error("the app server is not running");
    return this.current;
  }

  async restart(label: string) {
    await this.stop();
    const started = now();
    const at = Date.now();
    const server = await startBenchServer(this.databaseUrl, this.options);
    const client = new HttpClient(server.url, 512);
    this.starts++;
    const info = await diagnostics(client);
    this.log(
      `app server ${this.starts} (${server.entry} entry) up on ${server.url} (pid ${info.pid}, ${Math.round(now() - started)} ms, ` +
        `database pool: the default ${parseEnv({}).DATABASE_POOL_SIZE} connections)`,
    );
    this.current = { server, client, label, at };
    return this.current;
  }

  async stop() {
    const current = this.current;
    this.current = undefined;
    if (!current) return;
    current.client.close();
    await current.server.stop();
    const faults = faultLines(current.server.output());
    if (faults.length > 0) {
      this.recorder.anomaly(
        `app server ${this.starts} logged ${faults.length} fault line(s); first: ${faults.slice(0, 3).join(" / ")}`,
      );
    }
    if (this.profileDir) {
      for (const file of newProfiles(this.profileDir, current.at)) {
        const summary = summarizeProfile(file);
        const renamed = path.join(
          this.profileDir,
          `${current.label.replace(/[^\w.-]+/g, "-")}-${this.starts}.cpuprofile`,
        );
        fs.renameSync(file, renamed);
        summary.file = renamed;
        this.recorder.raw("profiles", { label: current.label, ...summary });
        const line = formatSummary(current.label, summary);
        this.recorder.note(line);
        this.log(line);
      }
    }
  }
}
