/**
 * Runs the production build as a child process on a free loopback port
 * against a given database, for tests that go through real HTTP and SSE.
 * The build is brought up to date first (once; others wait).
 *
 * Two entries serve the same app: "node", the Node server `npm start` runs
 * (server/node/main.ts: /api/trpc without Next.js in front), and "next",
 * plain `next start` (the route handler, as on serverless platforms). The
 * HTTP suites run against both (`entries`); the rest use "node", what
 * production runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { childProcessEnv } from "@/lib/env";
import { freePort } from "@/lib/process";
import { ensureProductionBuild, nextBin, serverCommand } from "@/scripts/build";

export type Entry = "node" | "next";
export const entries: readonly Entry[] = ["node", "next"];

/**
 * The command that starts an entry on a loopback port, from the build in
 * `buildDir` (default: the configured one); the node entry takes its port
 * from PORT.
 */
export function entryCommand(entry: Entry, port: number, buildDir?: string): [string, string[]] {
  return entry === "node"
    ? serverCommand(buildDir)
    : [nextBin, ["start", "-H", "127.0.0.1", "-p", String(port)]];
}

export interface AppServer {
  entry: Entry;
  url: string;
  port: number;
  child: ChildProcess;
  /** Output so far, for diagnosing a failed start. */
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Kills the server at once, as a crash would. */
  kill(): Promise<void>;
}

/** One secret for every server of a test run, so sessions work across instances. */
export const testAuthSecret = randomBytes(32).toString("base64url");

export async function startAppServer(options: {
  databaseUrl: string;
  port?: number;
  /** Default "node", what `npm start` runs. */
  entry?: Entry;
  env?: Record<string, string | undefined>;
}): Promise<AppServer> {
  ensureProductionBuild();
  const entry = options.entry ?? "node";
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const [command, args] = entryCommand(entry, port, options.env?.SEQUENT_BUILD_DIR);
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      DATABASE_DRIVER: "pg",
      AUTH_SECRET: testAuthSecret,
      TEST_DATABASE_URL: undefined,
      ...options.env,
    }),
  });
  child.stdout?.on("data", (chunk) => {
    log += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    log += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the ${entry} server exited with ${child.exitCode}:\n${log}`);
    try {
      // Ready, not just alive: the database answers and the schema is current.
      const response = await fetch(`${url}/api/ready`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the ${entry} server did not answer within 60 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Next.js loads a route's code on its first request: tests that time the
  // liveness probe must not time that.
  await (await fetch(`${url}/api/health`)).arrayBuffer();

  return {
    entry,
    url,
    port,
    child,
    output: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
