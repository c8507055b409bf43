/**
 * Sequent's service worker, served as /sw.js by ./route.ts with the build's
 * version in VERSION. It owns the browser's offline copies, by these rules:
 *
 * - Pages (navigations) come from the network first. A good answer (200,
 *   HTML, not redirected, read to the end) is kept per URL as that page's
 *   last good copy; the sign-in and sign-up pages never are. With no network,
 *   a server that is down (502/503/504), or no answer within
 *   NETWORK_TIMEOUT_MS, the copy answers — only if every script and
 *   stylesheet it loads is in the static cache; otherwise a small offline page
 *   says so. A shell whose chunks are gone is never served.
 * - /_next/static/* is cache first: its file names carry a content hash, so a
 *   file never changes.
 * - The manifest and the icons come from the cache, refreshed in the background.
 * - /api/* (tRPC, sign-in and sign-out, the event streams) and everything
 *   else is not touched: no respondWith, so the browser fetches it as if there
 *   were no worker, and nothing of it is stored. A worker cannot see
 *   Set-Cookie (the Fetch standard hides it), so "nothing that sets a cookie
 *   is stored" holds by what is stored: page GETs, which in Sequent never set
 *   one (signing in and out are POSTs).
 * - Caches are named by version and bounded (the oldest entries go first);
 *   activating a version deletes every other version's caches.
 * - A new version waits until a page asks it to take over ("skip-waiting",
 *   from the "A new version is available — Reload" prompt) or takes over at
 *   once when no page is open; then it claims the open pages.
 * - "keep" (from each page a tab shows) stores that page too when it loaded
 *   before this worker controlled it, or came by a soft navigation, which
 *   never reaches a worker as a page: fetched again unless the copy is
 *   recent (KEEP_FRESH_MS), with the files the page loaded stored first.
 * - "forget" (someone signed out, or another person signed in) deletes the
 *   kept pages, and a page fetched before it is not stored after it.
 */

const VERSION = "development";
const PREFIX = "sequent-";
const STATIC_CACHE = `${PREFIX}static-${VERSION}`;
const PAGES_CACHE = `${PREFIX}pages-${VERSION}`;
const NETWORK_TIMEOUT_MS = 4000;
const MAX_PAGES = 50;
const MAX_STATIC_FILES = 600;
/** A page shown without a full load is fetched again for its copy once the copy is this old. */
const KEEP_FRESH_MS = 15 * 60 * 1000;
/** Kept from install on: every page's head and the offline page ask for them. */
const APP_FILES = [
  "/manifest.webmanifest",
  "/favicon.ico",
  "/icons/icon.svg",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/icons/apple-touch-icon.png",
  "/icons/favicon-32.png",
  "/icons/favicon-16.png",
];
/** Pages only a signed-out visitor sees: nothing to keep. */
const NEVER_KEPT = ["/sign-in", "/sign-up"];
const SERVER_DOWN = [502, 503, 504];

/** Bumped by "forget": a page fetched under an older generation is not stored. */
let generation = 0;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(STATIC_CACHE);
      // One missing file must not fail the install.
      await Promise.all(APP_FILES.map((path) => cache.add(path).catch(() => undefined)));
      const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      if (pages.length === 0) await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const current = [STATIC_CACHE, PAGES_CACHE];
      for (const name of await caches.keys())
        if (name.startsWith(PREFIX) && !current.includes(name)) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const message = event.data ?? {};
  if (message.type === "skip-waiting") event.waitUntil(self.skipWaiting());
  else if (message.type === "forget") event.waitUntil(forgetPages());
  else if (message.type === "keep") event.waitUntil(keep(message.page, message.files));
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") event.respondWith(page(event, url));
  else if (url.pathname.startsWith("/_next/static/") && !request.headers.has("range"))
    event.respondWith(staticFile(event));
  else if (APP_FILES.includes(url.pathname)) event.respondWith(appFile(event));
});

async function page(event, url) {
  const keepable = !NEVER_KEPT.includes(url.pathname);
  const started = generation;
  const network = fetch(event.request).then((response) => {
    // Stored beside the answer, which streams to the page meanwhile.
    if (keepable && isGoodPage(response))
      event.waitUntil(storePage(url.href, response.clone(), started).catch(() => undefined));
    return response;
  });
  const copy = keepable
    ? await caches.match(url.href, { cacheName: PAGES_CACHE, ignoreVary: true })
    : undefined;
  if (!copy) return network.catch(offlinePage);
  const answer = await Promise.race([
    network.catch(() => null),
    new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null)),
  ]);
  if (answer && !SERVER_DOWN.includes(answer.status)) return answer;
  // A slow answer still refreshes the copy for next time.
  event.waitUntil(network.catch(() => undefined));
  return (await hasItsFiles(copy)) ? copy : offlinePage();
}

function isGoodPage(response) {
  return (
    response.status === 200 &&
    response.type === "basic" &&
    !response.redirected &&
    (response.headers.get("content-type") ?? "").startsWith("text/html")
  );
}

async function storePage(href, response, started) {
  // Read to the end first: a page cut off halfway is not a good copy.
  const body = await response.blob();
  if (started !== generation) return;
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(
    href,
    new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    }),
  );
  await trim(cache, MAX_PAGES);
}

/** Whether every script and stylesheet a kept page loads is in the static cache. */
async function hasItsFiles(copy) {
  const html = await copy.clone().text();
  const cache = await caches.open(STATIC_CACHE);
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const path = /\s(?:src|href)="(\/_next\/static\/[^"]+)"/.exec(tag)?.[1];
    // Polyfills for browsers without modules: never loaded here.
    if (!path || /\snomodule\b/i.test(tag)) continue;
    const href = new URL(path.replaceAll("&amp;", "&"), self.location.origin).href;
    if (!(await cache.match(href, { ignoreVary: true }))) return false;
  }
  return true;
}

async function staticFile(event) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(event.request, { ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(event.request);
  if (response.status === 200 && response.type === "basic")
    event.waitUntil(
      cache
        .put(event.request, response.clone())
        .then(() => trim(cache, MAX_STATIC_FILES))
        .catch(() => undefined),
    );
  return response;
}

async function appFile(event) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(event.request, { ignoreVary: true });
  const fresh = fetch(event.request).then(async (response) => {
    if (response.status === 200 && response.type === "basic")
      await cache.put(event.request, response.clone());
    return response;
  });
  if (!hit) return fresh;
  event.waitUntil(fresh.catch(() => undefined));
  return hit;
}

/**
 * A page asks to keep what it shows. One that loaded before this worker
 * controlled it (the first visit, a hard reload) hands over the files it
 * loaded; they are stored first, so a kept page never lacks them. The page
 * itself is fetched unless its copy is recent: a full load stored it already,
 * but a soft navigation never reached this worker as a page.
 */
async function keep(page, files) {
  const cache = await caches.open(STATIC_CACHE);
  for (const file of Array.isArray(files) ? files : []) {
    const url = new URL(file, self.location.origin);
    if (url.origin !== self.location.origin || !url.pathname.startsWith("/_next/static/")) continue;
    if (await cache.match(url.href, { ignoreVary: true })) continue;
    const response = await fetch(url.href).catch(() => null);
    if (response?.status === 200) await cache.put(url.href, response);
  }
  await trim(cache, MAX_STATIC_FILES);
  if (typeof page !== "string") return;
  const url = new URL(page, self.location.origin);
  if (url.origin !== self.location.origin || NEVER_KEPT.includes(url.pathname)) return;
  const copy = await caches.match(url.href, { cacheName: PAGES_CACHE, ignoreVary: true });
  if (copy && Date.now() - Date.parse(copy.headers.get("date") ?? "") < KEEP_FRESH_MS) return;
  const started = generation;
  const response = await fetch(url.href, { headers: { Accept: "text/html" } }).catch(() => null);
  if (response && isGoodPage(response)) await storePage(url.href, response, started);
}

async function forgetPages() {
  generation += 1;
  for (const name of await caches.keys())
    if (name.startsWith(`${PREFIX}pages-`)) await caches.delete(name);
}

async function trim(cache, max) {
  const keys = await cache.keys();
  // Keys come oldest first (a put moves its key to the end).
  for (const key of keys.slice(0, Math.max(0, keys.length - max))) await cache.delete(key);
}

function offlinePage() {
  return new Response(
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Offline · Sequent</title>
<link rel="icon" href="/icons/icon.svg" type="image/svg+xml">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; display: grid; place-items: center; min-height: 100vh; margin: 0; padding: 0 1rem; }
  main { max-width: 28rem; text-align: center; }
  a { color: #4f46e5; }
</style>
</head>
<body>
<main>
<img src="/icons/icon.svg" alt="" width="64" height="64">
<h1>You are offline</h1>
<p>This page has no copy on this device yet, so it will open when you are back online. Pages you opened before work offline, with your unsent messages.</p>
<p><a href="">Try again</a></p>
</main>
</body>
</html>`,
    {
      status: 503,
      headers: {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        "Cache-Control": "no-store",
      },
    },
  );
}
