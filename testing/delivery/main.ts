/**
 * The long delivery run: two app instances, their own Redis and database,
 * senders with retries and subscribers with failover under 16 faults, then
 * the checker. Prints the figures as Markdown (for docs/reliability.md) and
 * exits non-zero when any promise was broken. Usage:
 *
 *   npm run verify:delivery                  the long run
 *   npm run verify:delivery -- --short       the short run vitest makes
 *   npm run verify:delivery -- --json FILE   also write the full result as JSON
 *
 * The database is created on TEST_DATABASE_URL's server when it is set,
 * otherwise on a fresh embedded PostgreSQL; redis-server must be installed.
 * The production build is brought up to date first (one to two minutes when
 * the sources changed), and the instances run from a copy of it.
 */
import fs from "node:fs";
import { env } from "@/lib/env";
import { disposeAllClusters, redisUnavailable } from "./cluster";
import { longRun, shortRun } from "./plans";
import { formatResult } from "./report";
import { runScenario } from "./scenario";

const args = process.argv.slice(2);
const short = args.includes("--short");
const jsonAt = args.indexOf("--json");
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonFile) {
  console.error("usage: npm run verify:delivery -- [--short] [--json FILE]");
  process.exit(2);
}

const unavailable = await redisUnavailable();
if (unavailable) {
  console.error(`verify:delivery needs redis-server: ${unavailable}`);
  process.exit(2);
}

// Interrupted: stop the instances and Redis, drop the database, remove the build copy.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up…`);
    void disposeAllClusters().finally(() => process.exit(130));
  });
}

const began = Date.now();
const result = await runScenario({
  ...(short ? shortRun : longRun),
  databaseServerUrl: env().TEST_DATABASE_URL,
  log: (line) => console.log(`[${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`),
});
console.log(`\n${formatResult(result)}\n`);
if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
process.exit(result.ok ? 0 : 1);
