/**
 * Runs the production build (`next start`) as a child process on a free
 * loopback port against a given database, for tests that go through real
 * HTTP and SSE. The build is brought up to date first (once; others wait).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { childProcessEnv } from "@/lib/env";
import { freePort } from "@/lib/process";
import { ensureProductionBuild } from "@/scripts/build";

export interface AppServer {
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
  env?: Record<string, string | undefined>;
}): Promise<AppServer> {
  ensureProductionBuild();
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const child = spawn(
    path.join(process.cwd(), "node_modules", ".bin", "next"),
    ["start", "-H", "127.0.0.1", "-p", String(port)],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: childProcessEnv({
        NODE_ENV: "production",
        DATABASE_URL: options.databaseUrl,
        DATABASE_DRIVER: "pg",
        AUTH_SECRET: testAuthSecret,
        TEST_DATABASE_URL: undefined,
        ...options.env,
      }),
    },
  );
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
      throw new Error(`next start exited with ${child.exitCode}:\n${log}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`next start did not answer within 60 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
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
