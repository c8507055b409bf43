/**
 * The build lock is freed when its holder is gone: a dead holder's pid, or
 * a lock left without a pid (its holder died before writing it, or a waiter
 * recreated the lock while it was being removed) once it is old enough.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const buildDir = `.next-lock-test-${process.pid}`;
const lock = path.join(process.cwd(), `${buildDir}-build.lock`);
let withBuildLock: <T>(fn: () => T) => T;

beforeAll(async () => {
  // The lock sits beside the build folder this names; read once, on first use.
  process.env.SEQUENT_BUILD_DIR = buildDir;
  ({ withBuildLock } = await import("./build"));
});
afterEach(() => fs.rmSync(lock, { recursive: true, force: true }));

/** A pid no process has: the highest possible, which Linux never hands out in practice. */
const deadPid = 4_194_304;

describe("the build lock", () => {
  it("is taken and given back", () => {
    expect(withBuildLock(() => fs.readFileSync(path.join(lock, "pid"), "utf8"))).toBe(
      String(process.pid),
    );
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("is taken over from a holder that died", () => {
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, "pid"), String(deadPid));
    expect(withBuildLock(() => "ran")).toBe("ran");
  });

  it("is taken over when it was left without a pid long ago", () => {
    for (const leftover of ["", undefined]) {
      fs.mkdirSync(lock);
      if (leftover !== undefined) fs.writeFileSync(path.join(lock, "pid"), leftover);
      const longAgo = new Date(Date.now() - 60_000);
      fs.utimesSync(lock, longAgo, longAgo);
      expect(withBuildLock(() => "ran")).toBe("ran");
    }
  });
});
