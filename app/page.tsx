import { sql } from "drizzle-orm";
import { connection } from "next/server";
import { getDb } from "@/db/client";

export default async function Home() {
  await connection();
  const db = await getDb();
  const result = await db.execute<{ version: string }>(sql`select version() as version`);
  return (
    <main>
      <h1>Sequent</h1>
      <p>{result.rows[0]?.version}</p>
    </main>
  );
}
