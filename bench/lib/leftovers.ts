/**
 * Temporary folders of the benchmark, and what a run that was killed outright
 * (SIGKILL, or tsx force-killing a child that was busy when Ctrl+C came) left
 * in them: each folder records the pid of the run that owns it; a later run
 * stops the PostgreSQL servers in folders whose owner is gone (by the pid in
 * their postmaster.pid) and removes the folders.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { postmasterPid, stopPostmaster } from "@/db/embedded";
import { isAlive } from "@/lib/process";

const PREFIX = "sequent-bench-";
const OWNER = "bench-owner.json";

/** A new temporary folder owned by this process, enterable by the `postgres` user. */
export function ownedTempDir(kind: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-`));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, OWNER), JSON.stringify({ pid: process.pid }));
  return dir;
}

/** Removes what earlier, killed runs left behind; returns how many folders. */
export async function sweepLeftovers(): Promise<number> {
  let swept = 0;
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    let owner: number | undefined;
    try {
      owner = (JSON.parse(fs.readFileSync(path.join(dir, OWNER), "utf8")) as { pid: number }).pid;
    } catch {
      // Folders without an owner record are pgbench's short-lived ones, or not ours.
      continue;
    }
    if (owner === process.pid || isAlive(owner)) continue;
    for (const cluster of [path.join(dir, "pg"), path.join(dir, ".data", "pg")]) {
      const pid = postmasterPid(cluster);
      if (pid) await stopPostmaster(pid);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    swept++;
  }
  return swept;
}
