/**
 * Runs once when the Next.js server starts, before it serves a request: the
 * environment is validated and the database opened and migrated (starting
 * the embedded PostgreSQL when no DATABASE_URL is set).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { boot } = await import("./server/boot");
    await boot();
  }
}
