/**
 * The server the Playwright suite runs against: a current production build
 * served as `npm start` serves it (the Node server), on a database of its
 * own, created for the run and dropped when the suite stops this script
 * with SIGTERM; its files in a scratch folder; its mail to an SMTP server on
 * loopback (smtp-server) that writes each mail into a folder the specs read
 * (testing/smtp.ts, e2eMailbox).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { childProcessEnv, env } from "@/lib/env";
import { ensureProductionBuild } from "@/scripts/build";
import { entryCommand } from "@/testing/app-server";
import { createTestDatabase } from "@/testing/database-server";
import { e2eMailbox, startTestSmtp } from "@/testing/smtp";

const port = Number(process.argv[2] ?? env().E2E_PORT);

async function main() {
  ensureProductionBuild();
  const database = await createTestDatabase("sequent_e2e");
  const mailbox = e2eMailbox(port);
  fs.rmSync(mailbox, { recursive: true, force: true });
  const smtp = await startTestSmtp({ mailbox });
  const files = fs.mkdtempSync(path.join(os.tmpdir(), "sequent-e2e-files-"));
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
    await smtp.close();
    fs.rmSync(files, { recursive: true, force: true });
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => void stop(0));

  const [command, args] = entryCommand("node", port);
  server = spawn(command, args, {
    stdio: "inherit",
    env: childProcessEnv({
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: database.url,
      DATABASE_DRIVER: "pg",
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      SMTP_URL: smtp.url,
      STORAGE_DIR: files,
      TEST_DATABASE_URL: undefined,
    }),
  });
  server.on("exit", (code) => void stop(code ?? 1));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
