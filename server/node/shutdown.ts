/**
 * Graceful shutdown of the Node server on SIGTERM (a deploy, a scale-down)
 * and SIGINT, in this order:
 *
 * 1. Readiness turns "not ready" (server/ops/readiness.ts) and the listener
 *    closes: a load balancer stops sending, new connections are refused.
 * 2. Every event stream ends at once with a resume hint (server/sse.ts): its
 *    client reconnects within a second, to another instance, and resumes
 *    from its Last-Event-ID. Nothing is lost: PostgreSQL holds every event.
 * 3. Requests in flight finish, for at most SHUTDOWN_SECONDS. Meanwhile
 *    every answer says `Connection: close` and each keep-alive connection is
 *    closed as soon as it is idle, so clients open their next connection
 *    elsewhere instead of finding this one gone mid-request.
 * 4. What is still open is cut, the Redis connections and the database pool
 *    close (and the embedded PostgreSQL stops, if this process started it),
 *    and the process exits 0.
 *
 * Signals that arrive during the drain change nothing (a terminal's Ctrl+C
 * reaches both `npm start` and this process); the drain is bounded anyway.
 */
import type { Server, ServerResponse } from "node:http";
import { closeDatabase } from "@/db/client";
import { env } from "@/lib/env";
import { log } from "@/server/log";
import { markDraining } from "@/server/ops/readiness";
import { closeRedis } from "@/server/redis";
import { endStreamsForShutdown, streamsSettled } from "@/server/sse";

const IDLE_SWEEP_MS = 50;
/** How long ended streams may take to run their cleanup (presence, listeners). */
const SETTLE_MS = 1_000;

export interface Drain {
  /** Call for every request: counts it in flight, and closes its connection while draining. */
  track(res: ServerResponse): void;
  readonly draining: boolean;
}

export function drainOnSignals(server: Server): Drain {
  let draining = false;
  const inFlight = new Set<ServerResponse>();

  const drain = async (signal: string) => {
    const began = Date.now();
    markDraining();
    server.close();
    const streams = endStreamsForShutdown();
    log().info(
      { signal, streams, requests: inFlight.size },
      "shutting down: not ready, listener closed, streams ended with a resume hint",
    );
    const deadline = began + env().SHUTDOWN_SECONDS * 1000;
    while (inFlight.size > 0 && Date.now() < deadline) {
      server.closeIdleConnections();
      await new Promise((resolve) => setTimeout(resolve, IDLE_SWEEP_MS));
    }
    const cut = inFlight.size;
    server.closeAllConnections();
    await streamsSettled(SETTLE_MS);
    await Promise.allSettled([closeRedis(), closeDatabase()]);
    log().info({ ms: Date.now() - began, cut }, "stopped");
    process.exit(0);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    drain(signal).catch((error) => {
      log().error({ err: error }, "shutdown failed");
      process.exit(1);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  return {
    get draining() {
      return draining;
    },
    track(res) {
      inFlight.add(res);
      res.once("close", () => inFlight.delete(res));
      if (draining) res.setHeader("Connection", "close");
    },
  };
}
