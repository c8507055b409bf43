/**
 * Statements run all the time are named prepared statements: PostgreSQL
 * parses them once per connection and, once a plan proves as good for any
 * parameters, stops planning them. For the hot path this matters: planning
 * the send's one statement cost more PostgreSQL CPU than executing it, and
 * an access check's plan costs about ten times its execution. Other
 * statements stay unnamed, so their plans always see their parameters.
 */
import { createHash } from "node:crypto";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Db } from "./client";

interface NamedQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const dialect = new PgDialect();
// One name per statement text; the texts are few (one per shape of batch),
// the bound only guards against a caller that builds unbounded texts.
const names = new Map<string, string>();
const MAX_NAMES = 512;

function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `sequent_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    if (names.size >= MAX_NAMES) names.clear();
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a raw statement as a named prepared statement on a pool connection.
 * Inside a transaction (no pool at hand) it runs like `db.execute`.
 */
export async function executePrepared(db: Db, query: SQL): Promise<{ rows: unknown[] }> {
  const pool = (db as { $client?: NamedQueryable }).$client;
  if (typeof pool?.query !== "function") return db.execute(query);
  const { sql: text, params } = dialect.sqlToQuery(query);
  return pool.query({ name: nameOf(text), text, values: params });
}

const built = new WeakMap<object, Map<string, unknown>>();

/**
 * A query builder's prepared statement (`.prepare(name)`, values through
 * `sql.placeholder`), built once per database handle and reused: `name`
 * must be unique in the app and always build the same statement.
 */
export function preparedQuery<T>(db: Db, name: string, build: (db: Db) => T): T {
  let byName = built.get(db);
  if (!byName) {
    byName = new Map();
    built.set(db, byName);
  }
  let query = byName.get(name) as T | undefined;
  if (query === undefined) {
    query = build(db);
    byName.set(name, query);
  }
  return query;
}
