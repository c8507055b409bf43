import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["{app,server,db,lib,scripts,testing}/**/*.test.ts"],
    globalSetup: ["testing/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Uploads made in-process go to a scratch folder, not the data folder of a local app.
    env: { STORAGE_DIR: path.join(os.tmpdir(), `sequent-test-files-${process.pid}`) },
    // next-auth imports "next/server" without an extension, which Node's ESM
    // loader cannot resolve; letting Vite process it resolves the import.
    server: { deps: { inline: ["next-auth"] } },
  },
});
