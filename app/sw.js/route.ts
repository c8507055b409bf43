/**
 * /sw.js: the service worker (./service-worker.js) with this build's version
 * in its cache names. It is rendered once, when the app is built, so every
 * server of one build answers the same bytes, and every new build (a deploy)
 * is a new worker: the browser installs it beside the old one, the pages offer
 * "A new version is available — Reload", and activating it drops the old
 * version's caches. Registered by app/_components/offline-support.tsx.
 */
import { readFileSync } from "node:fs";

export const dynamic = "force-static";

const PLACEHOLDER = 'const VERSION = "development";';

function worker(): string {
  const source = readFileSync(new URL("./service-worker.js", import.meta.url), "utf8");
  if (!source.includes(PLACEHOLDER)) throw new Error(`service-worker.js lacks ${PLACEHOLDER}`);
  const version = Date.now().toString(36);
  return source.replace(PLACEHOLDER, `const VERSION = ${JSON.stringify(version)};`);
}

export function GET() {
  return new Response(worker(), {
    headers: {
      "Content-Type": "text/javascript; charset=utf-8",
      // Browsers check for a new worker on navigations; this makes every check reach the server.
      "Cache-Control": "no-cache",
    },
  });
}
