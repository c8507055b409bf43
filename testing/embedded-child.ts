/** Starts the embedded PostgreSQL for the data directory in argv[2], prints its URL, and waits to be killed. */
import { startEmbeddedPostgres } from "@/db/embedded";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: embedded-child <dataDir>");
const server = await startEmbeddedPostgres({ dataDir });
console.log(JSON.stringify({ url: server.url }));
setInterval(() => {}, 60_000);
