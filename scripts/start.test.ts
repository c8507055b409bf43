import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** Runs `npm start`'s script with exactly these variables (plus PATH). */
function start(variables: Record<string, string>) {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sequent-start-")), "data");
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: {
      PATH: process.env.PATH,
      SEQUENT_DATA_DIR: dataDir,
      ...variables,
    } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 30_000,
  });
  const lines = result.stderr.split("\n").filter((line) => line.trim() !== "");
  return { status: result.status, lines, wroteData: fs.existsSync(dataDir) };
}

describe("npm start refuses a bad setup with one line and writes nothing", () => {
  it("names a malformed DATABASE_URL", () => {
    const run = start({ DATABASE_URL: "postgres//oops" });
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([
      expect.stringMatching(/^Invalid environment variable DATABASE_URL: must be a postgres/),
    ]);
    expect(run.wroteData).toBe(false);
  });

  it("names a missing production secret", () => {
    const run = start({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://sequent@127.0.0.1:5432/sequent",
    });
    expect(run.status).toBe(1);
    expect(run.lines).toEqual([
      expect.stringMatching(/^Invalid environment variable AUTH_SECRET: is required in production/),
    ]);
    expect(run.wroteData).toBe(false);
  });

  it("names a port already in use", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const run = start({ PORT: String(port) });
      expect(run.status).toBe(1);
      expect(run.lines).toEqual([
        `Port ${port} on 127.0.0.1 is already in use: stop the other server or set PORT to a free port.`,
      ]);
      expect(run.wroteData).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
