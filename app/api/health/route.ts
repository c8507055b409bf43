import { sql } from "drizzle-orm";
import { type Database, getDatabase } from "@/db/client";
import { env } from "@/lib/env";
import { feeds } from "@/server/realtime/feed";
import { bus } from "@/server/realtime/process-bus";

export const dynamic = "force-dynamic";

/** Process internals for leak checks and benchmarks; only with SEQUENT_DIAGNOSTICS=1. */
function diagnostics(database: Database) {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const memory = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const usage = process.resourceUsage();
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

/** Liveness and readiness: 200 once the database answers. */
export async function GET() {
  try {
    const database = await getDatabase();
    await database.db.execute(sql`select 1`);
    return Response.json(
      env().SEQUENT_DIAGNOSTICS === "1" ? { ok: true, ...diagnostics(database) } : { ok: true },
    );
  } catch {
    return Response.json({ ok: false }, { status: 503 });
  }
}
