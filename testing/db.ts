/** Database handles for integration tests, on the run's database, through either driver. */
import { afterAll, inject } from "vitest";
import { connect, type Database, type Driver } from "@/db/client";

/** A pool on the run's database; closed after the file's tests. */
export function testDatabase(driver: Driver = "pg", max = 60): Database {
  const database = connect(inject("databaseUrl"), driver, {
    max,
    neonWsProxy: inject("neonProxy"),
  });
  afterAll(() => database.close());
  return database;
}

export const drivers: Driver[] = ["pg", "neon"];
