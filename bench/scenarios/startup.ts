/**
 * Scenario 6, start-up: `npm start` until GET /api/health first answers
 * 200, on the embedded database, in a copy of the repository in a temporary
 * folder: once as a fresh clone (no build, no database: it builds, creates
 * the cluster and migrates), once again with that build and database in
 * place; the two kinds alternate run by run. node_modules is hard-linked
 * (Turbopack refuses a node_modules symlinked from outside the project).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { postmasterPid, stopPostmaster } from "@/db/embedded";
import { childProcessEnv } from "@/lib/env";
import { freePort, isAlive, sleep } from "@/lib/process";
import { type BenchContext, now } from "../lib/context";
import { ownedTempDir } from "../lib/leftovers";
import { median } from "../lib/stats";

const EXCLUDED =
  /^(node_modules|\.next[^/]*|\.data|\.git|bench\/results|test-results|playwright-report|blob-report)(\/|$)/;

/** The repository's files as a clone would have them, plus untracked, unignored ones. */
function sourceFiles(root: string): string[] {
  const listed = execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return listed
    .split("\0")
    .filter((file) => file && !EXCLUDED.test(file) && fs.existsSync(path.join(root, file)));
}

function copyRepository(root: string, target: string): string {
  for (const file of sourceFiles(root)) {
    const to = path.join(target, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(root, file), to);
  }
  try {
    execFileSync("cp", ["-al", path.join(root, "node_modules"), path.join(target, "node_modules")]);
    return "hard-linked";
  } catch {
    fs.rmSync(path.join(target, "node_modules"), { recursive: true, force: true });
    execFileSync("cp", ["-a", path.join(root, "node_modules"), path.join(target, "node_modules")]);
    return "copied";
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(
      { host: "127.0.0.1", port, path: "/api/health", timeout: 2000, agent: false },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on("error", () => resolve(false));
    request.on("timeout", () => {
      request.destroy();
      resolve(false);
    });
  });
}

async function waitForExit(pid: number, ms: number) {
  const deadline = now() + ms;
  while (isAlive(pid) && now() < deadline) await sleep(50);
  return !isAlive(pid);
}

/** Stops the `npm start` process group, then the embedded PostgreSQL it started, if still up. */
async function stopStart(child: ChildProcess, dataDir: string) {
  const pid = child.pid as number;
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {}
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {}
    }, 15_000);
    await exited;
    clearTimeout(timer);
  }
  // The server stops its embedded PostgreSQL as it exits; give it the time to.
  const postmaster = postmasterPid(path.join(dataDir, "pg"));
  if (postmaster && !(await waitForExit(postmaster, 10_000))) await stopPostmaster(postmaster);
}

async function timeStart(
  ctx: BenchContext,
  dir: string,
  register: (stop: () => Promise<void>) => () => void,
) {
  const port = await freePort();
  const dataDir = path.join(dir, ".data");
  let output = "";
  const started = now();
  const child = spawn("npm", ["start"], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({
      PORT: String(port),
      HOST: "127.0.0.1",
      SEQUENT_DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      DATABASE_DRIVER: undefined,
      TEST_DATABASE_URL: undefined,
      AUTH_SECRET: undefined,
      REDIS_URL: undefined,
      SEQUENT_BUILD_DIR: undefined,
      SEQUENT_DIAGNOSTICS: undefined,
      NODE_ENV: undefined,
      NODE_OPTIONS: undefined,
    }),
  });
  const unregister = register(() => stopStart(child, dataDir));
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  let seconds = Number.NaN;
  const deadline = started + 600_000;
  while (now() < deadline && child.exitCode === null) {
    if (await healthy(port)) {
      seconds = (now() - started) / 1000;
      break;
    }
    await sleep(100);
  }
  await stopStart(child, dataDir);
  unregister();
  if (!Number.isFinite(seconds)) {
    ctx.recorder.anomaly(`npm start in ${dir} did not answer: ${output.slice(-800)}`);
  }
  return { seconds, built: /running next build/.test(output) };
}

export async function startupScenario(
  ctx: BenchContext,
  register: (stop: () => Promise<void>) => () => void,
) {
  const { options, recorder, log, root } = ctx;
  await ctx.stopApp();
  // The embedded cluster lives in it, so the `postgres` user must be able to enter it.
  const dir = ownedTempDir("startup");
  const unregisterDir = register(async () => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    const how = copyRepository(root, dir);
    log(`start-up: repository copied to ${dir} (node_modules ${how})`);
    const cold: number[] = [];
    const warm: number[] = [];
    for (let run = 1; run <= options.runs; run++) {
      fs.rmSync(path.join(dir, ".next"), { recursive: true, force: true });
      fs.rmSync(path.join(dir, ".data"), { recursive: true, force: true });
      const fresh = await timeStart(ctx, dir, register);
      cold.push(fresh.seconds);
      if (!fresh.built) recorder.anomaly("start-up without a build: npm start did not build");
      const again = await timeStart(ctx, dir, register);
      warm.push(again.seconds);
      if (again.built) recorder.anomaly("start-up with a build: npm start built again");
      log(
        `start-up · run ${run}/${options.runs}: fresh clone (build + new database) ${fresh.seconds.toFixed(1)} s · with the build and database ${again.seconds.toFixed(1)} s`,
      );
    }
    recorder.raw("startup", { cold, warm });
    recorder.figure({
      id: "startup.without-build",
      scenario: "startup",
      label:
        "start-up: npm start to first /api/health 200, fresh clone (next build, new embedded database)",
      unit: "s",
      runs: cold,
    });
    recorder.figure({
      id: "startup.with-build",
      scenario: "startup",
      label: "start-up: npm start to first /api/health 200, existing build and embedded database",
      unit: "s",
      runs: warm,
      detail: Number.isFinite(median(warm)) ? undefined : "did not start",
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    unregisterDir();
  }
}
