import { defineConfig, devices } from "@playwright/test";
import { env } from "./lib/env";
import { chromiumArgs, chromiumPath } from "./testing/chromium";

const config = env();
const baseURL = config.E2E_BASE_URL ?? `http://127.0.0.1:${config.E2E_PORT}`;

export default defineConfig({
  testDir: "e2e",
  fullyParallel: true,
  forbidOnly: Boolean(config.CI),
  retries: config.CI ? 1 : 0,
  workers: 2,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: config.CI ? [["list"], ["html", { open: "never" }]] : "list",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromiumPath,
      args: [...chromiumArgs, "--disable-quic"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: config.E2E_BASE_URL
    ? undefined
    : {
        command: `node --import tsx testing/serve-test.ts ${config.E2E_PORT}`,
        url: `${baseURL}/api/ready`,
        timeout: 600_000,
        reuseExistingServer: false,
        stdout: "pipe",
        stderr: "pipe",
        gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      },
});
