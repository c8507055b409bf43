/** Server start-up: everything that must hold before the first request is served. */
import { getDatabase } from "@/db/client";
import { EnvError, env } from "@/lib/env";
import { startJobs } from "./jobs";
import { metrics } from "./metrics";

export async function boot(): Promise<void> {
  try {
    env();
    const database = await getDatabase();
    console.log(
      `database ready (${env().databaseDriver === "embedded" ? "embedded" : database.driver})`,
    );
    startJobs(database.db);
    // The collectors (event-loop delay above all) watch from the start, and the
    // first request does not pay for loading them.
    metrics();
  } catch (error) {
    console.error(
      error instanceof EnvError ? error.message : `Start-up failed: ${(error as Error).message}`,
    );
    process.exit(1);
  }
  // Started by scripts/start.ts: if that launcher dies, so do we, instead of
  // holding the port as an orphan.
  if (process.send) process.on("disconnect", () => process.exit(0));
}
