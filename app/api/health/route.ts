/**
 * Liveness: the process answers. No database call — a load balancer or
 * orchestrator that restarts an instance when this fails must not restart
 * every instance during a database outage; readiness (/api/ready) is the
 * probe that takes a dependency into account.
 */
import { getDatabase } from "@/db/client";
import { env } from "@/lib/env";
import { feeds } from "@/server/realtime/feed";
import { bus } from "@/server/realtime/process-bus";

export const dynamic = "force-dynamic";

/** Process internals for leak checks and benchmarks; only with SEQUENT_DIAGNOSTICS=1. */
async function diagnostics() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const memory = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const usage = process.resourceUsage();
  // Open since start-up: no query, only the pool's counters.
  const database = await getDatabase();
  return {
    pid: process.pid,
    listeners: bus().listenerCount(),
    feeds: feeds().size,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    gcRan: Boolean(gc),
    resources,
    cpuMicros: usage.userCPUTime + usage.systemCPUTime,
    // Each idle pool connection holds a socket and an idle timer.
    dbConnections: database.connections(),
  };
}

export async function GET() {
  if (env().SEQUENT_DIAGNOSTICS !== "1") return Response.json({ ok: true });
  return Response.json({ ok: true, ...(await diagnostics()) });
}
