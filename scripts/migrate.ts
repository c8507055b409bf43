/**
 * `npm run db:migrate`: applies the committed migrations to the configured
 * database, whatever MIGRATE_ON_START says — it is the deploy step that
 * setting leaves to the operator. Safe to run from several places at once
 * (db/migrate.ts takes an advisory lock).
 */
import { getDatabase } from "@/db/client";
import { runScript } from "./lib";

runScript(async () => {
  const database = await getDatabase({ migrate: true });
  console.log(`migrations applied (${database.driver})`);
});
