/**
 * Page cursors: where a listing continues, handed out as opaque base64url
 * text and taken back as it was given. A cursor that does not decode to what
 * its listing wrote is refused (BAD_REQUEST naming `cursor`), never read as
 * "from the start": Node's base64 decoder skips characters it does not know,
 * so "!!!" would otherwise decode to nothing and quietly restart the list.
 */
import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { z } from "zod";
import { AppError } from "@/server/errors";

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** The position `cursor` names, as `schema` reads it; `what` names the listing in the refusal. */
export function decodeCursor<T>(schema: z.ZodType<T>, cursor: string, what: string): T {
  const refuse = () =>
    new AppError("BAD_REQUEST", `cursor: not a cursor this ${what} gave; start again without it.`);
  if (!BASE64URL.test(cursor)) throw refuse();
  const bytes = Buffer.from(cursor, "base64url");
  // Only the encoding we hand out: no stray bits in the last character, no padding tricks.
  if (bytes.toString("base64url") !== cursor) throw refuse();
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw refuse();
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw refuse();
  return result.data;
}

/**
 * A timestamp as fixed-width UTC text with its microseconds: it sorts as the
 * time does, and a cursor holding it names the exact row (a JavaScript Date
 * keeps milliseconds only, and would skip rows of the same millisecond).
 */
export const exactTime = (column: SQL | AnyPgColumn) =>
  sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Whether `value` is a time as exactTime writes it. */
export const isExactTime = (value: string) =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value) && !Number.isNaN(Date.parse(value));
