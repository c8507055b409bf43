/**
 * `npm start` (and `npm run dev` with --dev): validates the environment,
 * checks the port, builds when there is no current production build, then runs the
 * real `next` binary. The database is opened and migrated by the server
 * itself at start-up (instrumentation.ts), so the server works the same when
 * started any other way.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { childProcessEnv, EnvError, env } from "@/lib/env";
import { ensureProductionBuild } from "./build";

const dev = process.argv.includes("--dev");
const nextBin = path.join(process.cwd(), "node_modules", ".bin", "next");

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function portIsFree(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

async function main() {
  let config: ReturnType<typeof env>;
  try {
    config = env();
  } catch (error) {
    fail(error instanceof EnvError ? error.message : String(error));
  }

  const problem = await portIsFree(config.HOST, config.PORT);
  if (problem?.code === "EADDRINUSE") {
    fail(
      `Port ${config.PORT} on ${config.HOST} is already in use: stop the other server or set PORT to a free port.`,
    );
  } else if (problem) {
    fail(`Cannot listen on ${config.HOST}:${config.PORT}: ${problem.message}`);
  }

  if (!dev) {
    try {
      ensureProductionBuild();
    } catch (error) {
      fail((error as Error).message);
    }
  }

  const child = spawn(
    nextBin,
    [dev ? "dev" : "start", "-H", config.HOST, "-p", String(config.PORT)],
    {
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: childProcessEnv({ NODE_ENV: dev ? "development" : "production" }),
    },
  );
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

void main();
