/**
 * Starts the embedded PostgreSQL for the data directory in argv[2] and prints
 * its URL. SIGTERM stops the server and ends the process; SIGKILL leaves the
 * server orphaned, as a killed app would.
 */
import { startEmbeddedPostgres } from "@/db/embedded";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: embedded-child <dataDir>");
const server = await startEmbeddedPostgres({ dataDir });
console.log(JSON.stringify({ url: server.url }));
const keepAlive = setInterval(() => {}, 60_000);
process.once("SIGTERM", () => {
  void server.stop().finally(() => clearInterval(keepAlive));
});
