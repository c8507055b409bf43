/** `npm run db:migrate`: applies the committed migrations to the configured database. */
import { getDatabase } from "@/db/client";
import { runScript } from "./lib";

runScript(async () => {
  const database = await getDatabase();
  console.log(`migrations applied (${database.driver})`);
});
