/**
 * How Chromium is launched here, by the Playwright suite and the benchmark
 * alike: Debian's build where it is installed (Playwright's own download
 * needs the internet), and the flags this machine needs.
 */
import fs from "node:fs";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** Debian's Chromium, or undefined for Playwright's own browser. */
export const chromiumPath = fs.existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined;

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
