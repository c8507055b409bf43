import { type ChildProcessByStdio, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { childProcessEnv } from "@/lib/env";
import { startEmbeddedPostgres } from "./embedded";

const folders: string[] = [];
/** A new temporary folder, removed after the suite. */
function tempFolder(kind: string, mode: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sequent-embedded-test-${kind}-`));
  fs.chmodSync(dir, mode);
  folders.push(dir);
  return dir;
}
const tempDataDir = () => tempFolder("data", 0o755);
/** A new temporary folder like /tmp, for a child's TMPDIR. */
const freshTmp = () => tempFolder("tmp", 0o1777);
afterAll(() => {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

function postmasterPid(dataDir: string) {
  return Number(fs.readFileSync(path.join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0]);
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface ChildOptions {
  /** The child's temporary folder (TMPDIR), where the embedded server keeps its cache. */
  tmpdir?: string;
  /** Run the child as this user instead of ours. */
  user?: { uid: number; gid: number };
  /** Run the child under `umask 077`, so folders it creates get no more than it asks for. */
  strictUmask?: boolean;
}

/**
 * Runs testing/embedded-child.ts; `url` resolves once its server answers and
 * rejects with the child's error output if it exits first.
 */
function startChild(dataDir: string, options: ChildOptions = {}) {
  const command = [process.execPath, "--import", "tsx", "testing/embedded-child.ts", dataDir];
  const [file, ...args] = options.strictUmask
    ? ["/bin/sh", "-c", 'umask 077 && exec "$@"', "sh", ...command]
    : command;
  const child = spawn(file as string, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({ TMPDIR: options.tmpdir }),
    ...options.user,
  });
  const url = new Promise<string>((resolve, reject) => {
    let output = "";
    let errors = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const line = output.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line).url);
    });
    child.stderr.on("data", (chunk) => {
      errors += chunk;
    });
    child.once("exit", (code) => reject(new Error(`child exited early with ${code}: ${errors}`)));
  });
  return { child, url };
}

/** SIGTERM: the child stops its server and exits. */
async function stopChild(child: ChildProcessByStdio<null, Readable, Readable>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const mode = (file: string) => fs.statSync(file).mode & 0o7777;

describe("the embedded PostgreSQL", () => {
  it("keeps its data across a restart", async () => {
    const dataDir = tempDataDir();
    const first = await startEmbeddedPostgres({ dataDir });
    expect(first.owned).toBe(true);
    await query(
      first.url,
      "create table kept (value text); insert into kept values ('still here')",
    );
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(await query(second.url, "select value from kept")).toEqual([{ value: "still here" }]);
    } finally {
      await second.stop();
    }
    expect(fs.existsSync(path.join(dataDir, "pg-owner.json"))).toBe(false);
  });

  it("recovers the server of a parent killed with SIGKILL", async () => {
    const dataDir = tempDataDir();
    const { child, url } = startChild(dataDir);
    await query(await url, "create table survived (value int); insert into survived values (42)");
    const orphan = postmasterPid(dataDir);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(alive(orphan)).toBe(true);

    const restarted = await startEmbeddedPostgres({ dataDir });
    try {
      expect(restarted.owned).toBe(true);
      expect(alive(orphan)).toBe(false);
      expect(postmasterPid(dataDir)).not.toBe(orphan);
      expect(await query(restarted.url, "select value from survived")).toEqual([{ value: 42 }]);
    } finally {
      await restarted.stop();
    }
  });

  it("lets a second process of ours use the server a live one started", async () => {
    const dataDir = tempDataDir();
    const owner = await startEmbeddedPostgres({ dataDir });
    try {
      // Same process pretending to be another: the owner record names a live pid that is not ours.
      const ownerFile = path.join(dataDir, "pg-owner.json");
      const record = JSON.parse(fs.readFileSync(ownerFile, "utf8"));
      fs.writeFileSync(ownerFile, JSON.stringify({ ...record, pid: process.ppid }));
      const guest = await startEmbeddedPostgres({ dataDir });
      expect(guest.owned).toBe(false);
      expect(guest.port).toBe(owner.port);
      expect(await query(guest.url, "select 1 as one")).toEqual([{ one: 1 }]);
    } finally {
      await owner.stop();
    }
  });
});

const isRoot = process.getuid?.() === 0;

// As root the server runs as the `postgres` user, which cannot enter a
// checkout under a 0700 folder (root's home, a `mktemp -d` folder): the
// cluster and the binaries must then live where it can.
describe.skipIf(!isRoot)(
  `as root, from a checkout under a 0700 folder${isRoot ? "" : " (skipped: only root runs the server as the postgres user)"}`,
  () => {
    /** A data directory as `npm start` in `<0700 folder>/sequent` would use it. */
    const privateDataDir = () => path.join(tempFolder("home", 0o700), "sequent", ".data");

    it("starts on a fresh temporary folder, and again with the data kept", async () => {
      const dataDir = privateDataDir();
      const tmpdir = freshTmp();
      const first = startChild(dataDir, { tmpdir, strictUmask: true });
      try {
        await query(
          await first.url,
          "create table kept (value text); insert into kept values ('x')",
        );
      } finally {
        await stopChild(first.child);
      }
      const cache = path.join(tmpdir, "sequent-embedded-postgres");
      expect(mode(cache)).toBe(0o755);
      expect(mode(path.join(cache, "data"))).toBe(0o711);
      const cluster = fs.realpathSync(path.join(dataDir, "pg"));
      expect(path.dirname(cluster)).toBe(fs.realpathSync(path.join(cache, "data")));

      const second = startChild(dataDir, { tmpdir });
      try {
        expect(await query(await second.url, "select value from kept")).toEqual([{ value: "x" }]);
      } finally {
        await stopChild(second.child);
      }
    });

    it("repairs the 0700 folders an earlier version left in the temporary folder", async () => {
      const dataDir = privateDataDir();
      const tmpdir = freshTmp();
      // What the earlier version did: one recursive mkdir with mode 0700 made
      // every folder down to the cluster 0700, then linked the checkout to it.
      const cache = path.join(tmpdir, "sequent-embedded-postgres");
      const leftover = path.join(cache, "data", "left-by-an-earlier-run");
      fs.mkdirSync(leftover, { recursive: true, mode: 0o700 });
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
      fs.symlinkSync(leftover, path.join(dataDir, "pg"));
      expect(mode(cache)).toBe(0o700);

      const { child, url } = startChild(dataDir, { tmpdir });
      try {
        expect(await query(await url, "select 1 as one")).toEqual([{ one: 1 }]);
      } finally {
        await stopChild(child);
      }
      expect(mode(cache)).toBe(0o755);
      expect(mode(path.join(cache, "data"))).toBe(0o711);
      expect(fs.existsSync(path.join(leftover, "PG_VERSION"))).toBe(true);
    });

    it("says in one line what to do when TMPDIR is a folder the postgres user cannot enter", async () => {
      const dataDir = privateDataDir();
      const tmpdir = tempFolder("private-tmp", 0o700);
      const { url } = startChild(dataDir, { tmpdir });
      await expect(url).rejects.toThrow(
        `embedded PostgreSQL: the postgres user cannot enter ${tmpdir} on the way to the cluster`,
      );
      await expect(url).rejects.toThrow("set TMPDIR to a folder it can enter");
      // Nothing points the checkout at a place it could not use.
      expect(fs.existsSync(path.join(dataDir, "pg"))).toBe(false);
    });
  },
);

const nobody = (() => {
  if (!isRoot) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "nobody"], { encoding: "utf8" }));
    const user = { uid: id("-u"), gid: id("-g") };
    // The user must be able to read this checkout to run the child at all.
    execFileSync(process.execPath, ["-e", "require('fs').accessSync('node_modules/tsx')"], user);
    return user;
  } catch {
    return undefined;
  }
})();

describe.skipIf(!nobody)(
  `as an ordinary user, from a folder of its own${nobody ? "" : " (skipped: needs root, a `nobody` user, and a checkout `nobody` can read; as an ordinary user the suite above covers it)"}`,
  () => {
    it("runs the server as that user with the cluster in place", async () => {
      const user = nobody as { uid: number; gid: number };
      const dataDir = tempDataDir();
      fs.chownSync(dataDir, user.uid, user.gid);
      const tmpdir = freshTmp();
      const { child, url } = startChild(dataDir, { tmpdir, user });
      try {
        expect(await query(await url, "select 1 as one")).toEqual([{ one: 1 }]);
      } finally {
        await stopChild(child);
      }
      const cluster = fs.lstatSync(path.join(dataDir, "pg"));
      expect(cluster.isDirectory()).toBe(true);
      expect(cluster.uid).toBe(user.uid);
      expect(fs.statSync(path.join(tmpdir, `sequent-embedded-postgres-${user.uid}`)).uid).toBe(
        user.uid,
      );
    });
  },
);
