import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded";

const dataDirs: string[] = [];
function tempDataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sequent-embedded-test-"));
  fs.chmodSync(dir, 0o755);
  dataDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
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
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "testing/embedded-child.ts", dataDir],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
        const line = output.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve(JSON.parse(line).url);
      });
      child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await query(url, "create table survived (value int); insert into survived values (42)");
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
