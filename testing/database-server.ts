/**
 * The test run's database: on `TEST_DATABASE_URL`'s server when set,
 * otherwise on a fresh embedded PostgreSQL (see db/throwaway.ts).
 */

import { env } from "@/lib/env";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@/testing/throwaway";

export function createTestDatabase(prefix = "sequent_test"): Promise<ThrowawayDatabase> {
  return createThrowawayDatabase({ prefix, serverUrl: env().TEST_DATABASE_URL });
}
