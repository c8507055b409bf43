/**
 * Databases as other versions of Sequent left them, for tests of the schema
 * check: migrated only partly (an older version), or carrying a migration
 * no committed file has (a newer one).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { migrationsFolder } from "@/db/migrate";

/** Runs `use` on its own connection to `url`, closed afterwards. */
export async function withClient<T>(
  url: string,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Applies only the first `count` committed migrations, as an older version would have. */
export async function applyFirstMigrations(url: string, count: number): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "sequent-migrations-"));
  try {
    fs.mkdirSync(path.join(folder, "meta"));
    const journal = JSON.parse(
      fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8"),
    ) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(0, count);
    fs.writeFileSync(path.join(folder, "meta", "_journal.json"), JSON.stringify(journal));
    for (const entry of journal.entries)
      fs.copyFileSync(
        path.join(migrationsFolder, `${entry.tag}.sql`),
        path.join(folder, `${entry.tag}.sql`),
      );
    await withClient(url, (client) => migrate(drizzle({ client }), { migrationsFolder: folder }));
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** Records a migration no committed file has, as a newer version would have. */
export async function recordUnknownMigration(url: string): Promise<void> {
  await withClient(url, (client) =>
    client.query(
      `insert into drizzle.__drizzle_migrations (hash, created_at) values ('${"f".repeat(64)}', $1)`,
      [Date.now() + 86_400_000],
    ),
  );
}
