/**
 * Production builds on demand: `npm start`, the e2e server and the benchmark
 * build only when there is no build or the sources changed since the last
 * one (a hash of everything that goes into it is kept beside the build).
 * A build is Next.js's output plus the bundled Node server that serves it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { buildSync } from "esbuild";
import { childProcessEnv, env } from "@/lib/env";
import { isAlive } from "@/lib/process";

const root = process.cwd();

export const nextBin = path.join(root, "node_modules", ".bin", "next");

// Resolved when used: importing this module must not validate the environment
// (npm start reports a bad one itself, in one line).
const buildDir = () => path.join(root, env().SEQUENT_BUILD_DIR ?? ".next");

/**
 * The Node server (server/node/main.ts and the server code it imports),
 * bundled into the build beside Next.js's output, so a build and a copy of
 * it hold everything that runs. Run under tsx instead, the same server
 * holds ~95 MB more memory and starts slower (its compiler and source maps).
 */
const SERVER_BUNDLE = "sequent-server.mjs";

/**
 * How the production server is started — by `npm start` and by everything
 * that starts it the same way (tests, the benchmark, the delivery suite) —
 * from the build in `dir` (default: the configured one).
 */
export function serverCommand(dir?: string): [string, string[]] {
  const bundle = path.join(dir ? path.resolve(root, dir) : buildDir(), SERVER_BUNDLE);
  // Not --enable-source-maps: Node would then hold the maps of all of Next.js's
  // server chunks too (~50 MB of heap). The bundle's own map is beside it.
  return [process.execPath, [bundle]];
}

function bundleServer(): void {
  buildSync({
    absWorkingDir: root,
    entryPoints: [path.join(root, "server", "node", "main.ts")],
    outfile: path.join(buildDir(), SERVER_BUNDLE),
    bundle: true,
    // Packages load from node_modules, as they do for Next.js's server.
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
  });
}
const inputs = ["app", "server", "db", "lib", "public"];
const rootFiles = [
  "next.config.ts",
  "instrumentation.ts",
  "proxy.ts",
  "postcss.config.mjs",
  "tsconfig.json",
  "package-lock.json",
];

function* files(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") yield* files(full);
    } else if (!entry.name.endsWith(".test.ts")) {
      yield full;
    }
  }
}

export function sourceHash(): string {
  const hash = createHash("sha256");
  const all = [
    ...inputs.flatMap((dir) => [...files(path.join(root, dir))]),
    ...rootFiles.map((f) => path.join(root, f)),
  ];
  for (const file of all) {
    if (!fs.existsSync(file)) continue;
    hash.update(path.relative(root, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest("hex");
}

const lockDir = () => `${buildDir()}-build.lock`;
const UNCLAIMED_LOCK_MS = 30_000;

const readIfThere = (file: string) => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

const mtimeIfThere = (file: string) => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/** Runs `fn` holding a lock, so concurrent test workers and scripts never build at once. */
export function withBuildLock<T>(fn: () => T): T {
  for (;;) {
    try {
      fs.mkdirSync(lockDir());
      fs.writeFileSync(path.join(lockDir(), "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // Read only: creating the pid file here could recreate it inside a lock
      // its holder is removing, leaving a lock with no pid that nobody frees.
      const holder = Number(readIfThere(path.join(lockDir(), "pid")) ?? 0);
      const stale = holder
        ? !isAlive(holder)
        : // A holder that died between taking the lock and writing its pid.
          Date.now() - (mtimeIfThere(lockDir()) ?? Date.now()) > UNCLAIMED_LOCK_MS;
      if (stale) fs.rmSync(lockDir(), { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir(), { recursive: true, force: true });
  }
}

/** Builds unless the existing build was made from exactly these sources. Returns whether it built. */
export function ensureProductionBuild(): boolean {
  return withBuildLock(buildIfStale);
}

function buildIfStale(): boolean {
  const wanted = sourceHash();
  const hashFile = path.join(buildDir(), "sequent-source.sha256");
  const hasBuild = fs.existsSync(path.join(buildDir(), "BUILD_ID"));
  if (hasBuild && fs.existsSync(hashFile) && fs.readFileSync(hashFile, "utf8") === wanted) {
    if (!fs.existsSync(path.join(buildDir(), SERVER_BUNDLE))) bundleServer();
    return false;
  }
  console.log(
    hasBuild
      ? "Sources changed since the last build: running next build…"
      : "No production build found: running next build…",
  );
  const result = spawnSync(nextBin, ["build"], {
    stdio: "inherit",
    env: childProcessEnv({ NODE_ENV: "production" }),
  });
  if (result.status !== 0) throw new Error("next build failed; see the output above.");
  bundleServer();
  fs.writeFileSync(hashFile, wanted);
  return true;
}
