/**
 * The production server, what `npm start` runs (scripts/build.ts bundles it
 * into the build, scripts/start.ts starts it): one Node HTTP server that
 * serves /api/trpc itself (server/node/api.ts: tRPC's Node adapter and
 * server/sse.ts's Node sink) and hands every other request — pages, Server
 * Actions, Auth.js, files, health — to Next.js's request handler.
 *
 * Why: under Next.js's router an API call costs about ten times the CPU of
 * the same call on a plain Node server, and an open event stream holds
 * ~70 KB more (docs/performance.md). The route handler for /api/trpc stays
 * for `next start` and serverless platforms; both entries share
 * server/http/api.ts.
 *
 * Start-up is Next.js's: preparing the app runs instrumentation.ts once
 * (the peer hook, the environment, the database and its migrations), and
 * the server listens only after that. Shutdown: server/node/shutdown.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import next from "next";
import { envOrExit, listenProblem } from "@/lib/env";
import { isApiPath } from "@/server/http/api";
import { log } from "@/server/log";
import { drainOnSignals } from "./shutdown";

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** A request nothing answered because its handler threw: a fault, answered 500 if still possible. */
const answerFault = (res: ServerResponse) => (error: unknown) => {
  log().error({ err: error }, "request failed outside its handler");
  if (!res.headersSent) {
    res.statusCode = 500;
    res.end();
  } else res.destroy();
};

async function main() {
  const config = envOrExit();
  const app = next({ dev: false, dir: process.cwd(), hostname: config.HOST, port: config.PORT });
  const handleNext = app.getRequestHandler();
  await app.prepare();
  // Loaded after start-up: it imports the router, and refuses one the SSE producer cannot serve.
  let serveApi: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  try {
    ({ serveApi } = await import("./api"));
  } catch (error) {
    fail(`Start-up failed: ${(error as Error).message}`);
  }

  const server = http.createServer();
  const drain = drainOnSignals(server);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    drain.track(res);
    const pathname = (req.url ?? "/").split("?", 1)[0] as string;
    const handle = isApiPath(pathname) ? serveApi(req, res) : handleNext(req, res);
    handle.catch(answerFault(res));
  });
  server.once("error", (error: NodeJS.ErrnoException) => {
    fail(listenProblem(config, error));
  });
  server.listen(config.PORT, config.HOST, () => {
    log().info({ url: `http://${config.HOST}:${config.PORT}` }, "listening");
  });
}

main().catch((error) => fail(`Start-up failed: ${(error as Error).message}`));
