/**
 * Runs once when the Next.js server starts, before it serves a request: the
 * request hook that records each request's TCP peer is installed (see
 * server/http/peer.ts), the environment is validated and the database opened
 * and migrated (starting the embedded PostgreSQL when no DATABASE_URL is set).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { recordPeers } = await import("./server/http/peer");
    recordPeers();
    const { boot } = await import("./server/boot");
    await boot();
  }
}
