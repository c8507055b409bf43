import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";

/** Liveness and readiness: answers 200 once the database answers. */
export async function GET() {
  try {
    const db = await getDb();
    await db.execute(sql`select 1`);
    return Response.json({ ok: true });
  } catch {
    return Response.json({ ok: false }, { status: 503 });
  }
}
