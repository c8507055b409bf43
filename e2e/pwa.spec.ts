/**
 * Installs like an app, and opens like one without a network: the manifest
 * and every icon it names load and no page logs a 404; a reload with the cable
 * pulled shows the app from the service worker's copy with the channel's
 * recent messages and the outbox, and back online each queued message is
 * stored once; signing out leaves no copy behind; a new version of the worker
 * takes over when the person says so.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import {
  channelPath,
  composer,
  connectionStatus,
  expect,
  feed,
  messageArticle,
  sendToChannel,
  sidebarNav,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

/** Width × height of a PNG, from its IHDR chunk. */
const pngSize = (png: Buffer) => `${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`;

/** Every response with status 404 and every console error that mentions one, in pages and workers. */
function notFoundLog(page: Page): string[] {
  const log: string[] = [];
  page.context().on("response", (response) => {
    if (response.status() === 404) log.push(`404 ${response.url()}`);
  });
  page.context().on("console", (message) => {
    if (message.type() === "error" && /\b404\b|not found/i.test(message.text()))
      log.push(`console: ${message.text()}`);
  });
  return log;
}

/** The service worker controls the page and keeps its copy (it loaded before the worker ran). */
async function pageIsKept(page: Page) {
  await expect
    .poll(
      () =>
        page.evaluate(async () =>
          Boolean(navigator.serviceWorker.controller && (await caches.match(location.href))),
        ),
      { timeout: 30_000 },
    )
    .toBe(true);
}

/** Names of the worker's caches ("sequent-static-<version>", "sequent-pages-<version>"). */
const cacheNames = (page: Page) =>
  page.evaluate(async () => (await caches.keys()).filter((name) => name.startsWith("sequent-")));

/** Kept messages of places (localStorage) whose JSON contains `text`. */
const keptPlacesWith = (page: Page, text: string) =>
  page.evaluate(
    (needle) =>
      Object.keys(localStorage).filter(
        (key) =>
          key.startsWith("sequent:offline:place:") && localStorage.getItem(key)?.includes(needle),
      ).length,
    text,
  );

test("the manifest and every icon it names load, and no page logs a 404", async ({
  request,
  browser,
  baseURL,
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const answer = await request.get("/manifest.webmanifest");
  expect(answer.status()).toBe(200);
  expect(answer.headers()["content-type"]).toMatch(/^application\/manifest\+json/);
  const manifest = (await answer.json()) as {
    name: string;
    start_url: string;
    display: string;
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
  };
  expect(manifest).toMatchObject({ name: "Sequent", start_url: "/", display: "standalone" });
  expect(manifest.icons.map((icon) => icon.purpose)).toContain("maskable");
  for (const icon of manifest.icons) {
    const file = await request.get(icon.src);
    expect(file.status(), icon.src).toBe(200);
    expect(file.headers()["content-type"], icon.src).toContain(icon.type);
    if (icon.type === "image/png") expect(pngSize(await file.body()), icon.src).toBe(icon.sizes);
  }

  // Signed out: the sign-in page, with everything its head links.
  const visitor = await (await browser.newContext({ baseURL })).newPage();
  const visitorLog = notFoundLog(visitor);
  await visitor.goto("/sign-in");
  await expect(visitor.getByRole("heading", { name: "Sign in to Sequent" })).toBeVisible();
  const linked = await visitor
    .locator('link[rel~="icon"], link[rel="apple-touch-icon"], link[rel="manifest"]')
    .evaluateAll((links) =>
      links.map((link) => ({
        rel: link.getAttribute("rel"),
        href: (link as HTMLLinkElement).href,
        type: link.getAttribute("type"),
      })),
    );
  expect(linked.map((link) => link.rel).sort()).toEqual([
    "apple-touch-icon",
    "icon",
    "icon",
    "icon",
    "manifest",
  ]);
  for (const link of linked) {
    const file = await request.get(link.href);
    expect(file.status(), link.href).toBe(200);
    if (link.type) expect(file.headers()["content-type"], link.href).toContain(link.type);
  }
  const themeColors = await visitor
    .locator('meta[name="theme-color"]')
    .evaluateAll((metas) => metas.map((meta) => meta.getAttribute("media")));
  expect(themeColors.sort()).toEqual([
    "(prefers-color-scheme: dark)",
    "(prefers-color-scheme: light)",
  ]);
  // The worker installed (it stores the manifest and the icons as it does).
  await visitor.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });

  // Signed in: a channel, once the worker is in control and has kept it.
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const page = await signedInPage(ada);
  const log = notFoundLog(page);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);
  await pageIsKept(page);
  await page.reload();
  await waitForConnected(page);
  // The worker keeps pages as they come, trusting that a page sets no cookie (it cannot see Set-Cookie).
  const channelPage = await page.request.get(channelPath(workspace, workspace.generalChannelId));
  expect(channelPage.status()).toBe(200);
  expect(channelPage.headers()["set-cookie"]).toBeUndefined();

  expect(visitorLog).toEqual([]);
  expect(log).toEqual([]);
  await visitor.context().close();
});

test("offline, a reload shows the app with the channel's recent messages and the outbox; back online each queued message is stored once", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  cuttableLink,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const channelId = workspace.generalChannelId;
  const tag = uniqueTag();
  const earlier = `earlier ${tag}`;
  const live = `came live ${tag}`;
  const queued = [`queued one ${tag}`, `queued two ${tag}`];
  const stored = async (body: string) =>
    (await ada.api.message.list.query({ channelId, limit: 100 })).filter(
      (message) => message.body === body,
    );

  await sendToChannel(bob, channelId, earlier);
  const page = await signedInPage(ada, { baseURL: cuttableLink.url });
  await page.goto(channelPath(workspace, channelId));
  await waitForConnected(page);
  await expect(messageArticle(page, earlier)).toHaveCount(1);
  await pageIsKept(page);

  // A message that comes while the page is open is not in the kept page, only
  // in what the browser keeps of the channel.
  await sendToChannel(bob, channelId, live);
  await expect(messageArticle(page, live)).toHaveCount(1);
  await expect.poll(() => keptPlacesWith(page, live)).toBe(1);

  // The cable is pulled: the browser says offline, and every connection to the app drops.
  await page.context().setOffline(true);
  cuttableLink.cut();
  await expect(connectionStatus(page)).toHaveText(/Reconnecting…$/);
  for (const body of queued) {
    await composer(page, "Message #general").fill(body);
    await composer(page, "Message #general").press("Enter");
  }
  const pending = feed(page).getByRole("article", { name: `${ada.name}, sending` });
  await expect(pending).toHaveCount(2);

  await page.reload();

  // The app, not the browser's error page: the sidebar, the channel, its messages, the outbox.
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await expect(sidebarNav(page)).toBeVisible();
  await expect(
    page.getByRole("status").filter({ hasText: "Offline — messages will send when you are back" }),
  ).toBeVisible();
  await expect(messageArticle(page, earlier)).toHaveCount(1);
  await expect(messageArticle(page, live)).toHaveCount(1);
  await expect(pending).toHaveCount(2);
  for (const [index, body] of queued.entries()) {
    await expect(pending.nth(index)).toContainText(body);
    await expect(pending.nth(index)).toContainText(/Waiting to send…|Sending…/);
  }
  for (const body of queued) expect(await stored(body)).toEqual([]);

  // Back online: the outbox sends each once, in order.
  cuttableLink.restore();
  await page.context().setOffline(false);
  await expect(pending).toHaveCount(0, { timeout: 30_000 });
  await waitForConnected(page);
  const copies = await Promise.all(queued.map(stored));
  expect(copies.map((found) => found.length)).toEqual([1, 1]);
  const [first, second] = copies.map((found) => found[0]?.sequence ?? 0);
  expect(second).toBe((first ?? 0) + 1);
  for (const body of [earlier, live, ...queued])
    await expect(messageArticle(page, body)).toHaveCount(1);
  // Sent means sent: a reload neither shows them twice nor sends them again.
  await page.reload();
  await waitForConnected(page);
  for (const body of queued) await expect(messageArticle(page, body)).toHaveCount(1);
  expect((await Promise.all(queued.map(stored))).map((found) => found.length)).toEqual([1, 1]);
});

test("signing out leaves no offline copy of the person's pages or messages", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  cuttableLink,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const secret = `only for Ada ${uniqueTag()}`;
  await sendToChannel(ada, workspace.generalChannelId, secret);
  const page = await signedInPage(ada, { baseURL: cuttableLink.url });
  const channelUrl = `${cuttableLink.url}${channelPath(workspace, workspace.generalChannelId)}`;
  await page.goto(channelUrl);
  await expect(messageArticle(page, secret)).toHaveCount(1);
  await pageIsKept(page);
  await expect.poll(() => keptPlacesWith(page, secret)).toBe(1);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Sequent" })).toBeVisible();
  await expect
    .poll(async () => (await cacheNames(page)).filter((name) => name.includes("-pages-")))
    .toEqual([]);
  await expect.poll(() => keptPlacesWith(page, "")).toBe(0);

  // Offline, the channel's address has nothing to show.
  await page.context().setOffline(true);
  cuttableLink.cut();
  await page.goto(channelUrl);
  await expect(page.getByRole("heading", { name: "You are offline" })).toBeVisible();
  await expect(page.getByText(secret)).toHaveCount(0);
});

test("a new version takes over when the person reloads for it, and drops the old caches", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  baseURL,
}) => {
  if (!baseURL) throw new Error("Set use.baseURL in playwright.config.ts");
  // A deploy, as the browser sees it: the same /sw.js answers with another
  // version. A relay in front of the app passes everything through, and once
  // "deployed" rewrites the version in /sw.js.
  let deployed: string | null = null;
  const app = new URL(baseURL);
  const relay = http.createServer((incoming, outgoing) => {
    const upstream = http.request(
      {
        host: app.hostname,
        port: app.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        if (!deployed || !incoming.url?.startsWith("/sw.js")) {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = Buffer.concat(chunks)
            .toString("utf8")
            .replace(/const VERSION = "[^"]*";/, `const VERSION = "${deployed}";`);
          const { "content-length": _length, ...headers } = answer.headers;
          outgoing.writeHead(answer.statusCode ?? 502, headers);
          outgoing.end(body);
        });
      },
    );
    upstream.on("error", () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;

  try {
    const ada = await makeUser("Ada");
    const workspace = await makeWorkspace(ada);
    const page = await signedInPage(ada, { baseURL: relayUrl });
    await page.goto(channelPath(workspace, workspace.generalChannelId));
    await waitForConnected(page);
    await pageIsKept(page);
    const before = await cacheNames(page);
    const oldVersion = before[0]?.replace(/^sequent-(static|pages)-/, "");
    expect(before.sort()).toEqual([`sequent-pages-${oldVersion}`, `sequent-static-${oldVersion}`]);

    deployed = `next-${uniqueTag()}`;
    await page.evaluate(async () => (await navigator.serviceWorker.ready).update());
    const prompt = page.getByRole("status").filter({ hasText: "A new version is available" });
    await expect(prompt).toBeVisible({ timeout: 20_000 });
    // Waiting is waiting: the old version's caches are all still there beside the new one's.
    expect((await cacheNames(page)).sort()).toEqual(
      [...before, `sequent-static-${deployed}`].sort(),
    );

    await page.evaluate(() => {
      (window as unknown as { beforeTakeover: boolean }).beforeTakeover = true;
    });
    const reloaded = page.waitForEvent("load");
    await prompt.getByRole("button", { name: "Reload" }).click();
    await reloaded;
    expect(
      await page.evaluate(() => (window as unknown as { beforeTakeover?: boolean }).beforeTakeover),
    ).toBeUndefined();
    await waitForConnected(page);
    await expect(prompt).toHaveCount(0);
    // The new version serves the reloaded page and keeps it; the old version's caches are gone.
    await expect
      .poll(async () => (await cacheNames(page)).sort())
      .toEqual([`sequent-pages-${deployed}`, `sequent-static-${deployed}`]);
    await pageIsKept(page);
  } finally {
    relay.closeAllConnections();
    await new Promise((resolve) => relay.close(resolve));
  }
});
