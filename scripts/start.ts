/**
 * `npm start` (and `npm run dev` with --dev): validates the environment,
 * checks the port, builds when there is no current production build, then
 * runs the server: the Node server of server/node/main.ts, bundled into the
 * build (Next.js for the pages, /api/trpc served directly), or `next dev` in
 * development. The
 * database is opened and migrated by the server itself at start-up
 * (instrumentation.ts), so it works the same when started any other way.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { childProcessEnv, envOrExit, listenProblem } from "@/lib/env";
import { ensureProductionBuild, nextBin, serverCommand } from "./build";

const dev = process.argv.includes("--dev");

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
  const config = envOrExit();
  const problem = await portIsFree(config.HOST, config.PORT);
  if (problem) fail(listenProblem(config, problem));

  if (!dev) {
    try {
      ensureProductionBuild();
    } catch (error) {
      fail((error as Error).message);
    }
  }

  const [command, args] = dev
    ? [nextBin, ["dev", "-H", config.HOST, "-p", String(config.PORT)]]
    : serverCommand();
  const child = spawn(command, args, {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    env: childProcessEnv({ NODE_ENV: dev ? "development" : "production" }),
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

void main();
