/**
 * The server the Playwright suite runs against: a current production build
 * (`next start`) on a database of its own, created for the run and dropped
 * when the suite stops this script with SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { childProcessEnv, env } from "@/lib/env";
import { ensureProductionBuild } from "@/scripts/build";
import { createTestDatabase } from "@/testing/database-server";

const port = Number(process.argv[2] ?? env().E2E_PORT);

async function main() {
  ensureProductionBuild();
  const database = await createTestDatabase("sequent_e2e");
  let server: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    await database
      .dispose()
      .catch((error) => console.error("could not drop the e2e database:", error));
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => void stop(0));

  server = spawn(
    path.join(process.cwd(), "node_modules", ".bin", "next"),
    ["start", "-H", "127.0.0.1", "-p", String(port)],
    {
      stdio: "inherit",
      env: childProcessEnv({
        NODE_ENV: "production",
        DATABASE_URL: database.url,
        DATABASE_DRIVER: "pg",
        AUTH_SECRET: randomBytes(32).toString("base64url"),
        TEST_DATABASE_URL: undefined,
      }),
    },
  );
  server.on("exit", (code) => void stop(code ?? 1));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
