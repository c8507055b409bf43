/**
 * Rows of raw statements (`db.execute`), parsed once at the edge with one
 * small schema per statement: the two drivers differ in what they hand back
 * (a timestamp is a Date from one and a string from the other, a bigint a
 * string), and nothing past this point should care.
 */
import { z } from "zod";
import { isoTime } from "@/lib/time";

/** A timestamp column, as ISO 8601. */
export const zTime = z.union([z.date(), z.string()]).transform((value) => isoTime(value));

/** An integer column (counts arrive as strings from some drivers). */
export const zInt = z.coerce.number().int();

export function parseRows<T extends z.ZodType>(result: { rows: unknown[] }, row: T): z.output<T>[] {
  return result.rows.map((value) => row.parse(value));
}
