/** Vitest global setup: one migrated database and a Neon WebSocket proxy for the whole run. */
import type { TestProject } from "vitest/node";
import { createTestDatabase } from "./database-server";
import { startNeonProxy } from "./neon-proxy";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseServerUrl: string;
    neonProxy: string;
  }
}

export default async function setup(project: TestProject) {
  const database = await createTestDatabase();
  const proxy = await startNeonProxy();
  project.provide("databaseUrl", database.url);
  project.provide("databaseServerUrl", database.serverUrl);
  project.provide("neonProxy", proxy.address);
  return async () => {
    await proxy.close();
    await database.dispose();
  };
}
