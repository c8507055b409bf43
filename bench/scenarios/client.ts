/**
 * Scenario 8, what a person sees, in Chromium (Debian's /usr/bin/chromium,
 * headless; Playwright's own only where that is missing): two people signed
 * up over HTTP, members of the history channel of 1,000,000 messages and of
 * two channels of a few hundred, each in a browser context of its own.
 *
 * - Switching: a click on a channel in the sidebar until the channel's newest
 *   message is painted, over and over between the three channels.
 * - Delivery: A presses Enter in the composer until the message is painted
 *   on B's page, both showing the same channel.
 * - First-load JavaScript: the script files a cold load of a channel page
 *   fetches, each gzipped (the app serves them uncompressed and leaves
 *   compression to the proxy in front), summed.
 *
 * Times are taken in the pages, so Playwright's round trips are not in
 * them: the click's and the key's event time stamps, and the first frame
 * after the message is in the DOM and in the viewport (a requestAnimationFrame
 * and then a task, so that frame has been painted). Both contexts are in one
 * browser on this machine, and performance.timeOrigin + performance.now()
 * is a wall clock both pages share, so a time in A's page and one in B's
 * subtract.
 */
import zlib from "node:zlib";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright";
import { chromiumArgs, chromiumPath } from "@/testing/chromium";
import { signIn, signUp } from "@/testing/http";
import type { BenchContext } from "../lib/context";
import { type BrowserPlace, readFixture, seedBrowserPlaces } from "../lib/seed";
import { latencies, median } from "../lib/stats";

const PASSWORD = "correct horse battery staple";
/** Messages in each of the two small channels. */
const SMALL_CHANNEL_MESSAGES = 300;
/** The budget of docs/performance.md for the channel page's first-load JavaScript. */
const JS_BUDGET_KB = 300;

interface BenchWindow {
  /** When the last click and the last Enter keydown happened, on the shared clock. */
  benchClickAt?: number;
  benchEnterAt?: number;
  benchShown?: Promise<number>;
}

/**
 * Runs in every page before its own scripts: records clicks and Enter
 * presses, and defines benchWatch(selector, text), which makes benchShown
 * resolve with the time (shared clock) of the first frame painted after an
 * element matching `selector` (and containing `text`, when given) is in the
 * viewport. Plain JavaScript in a string: a function would be sent as tsx
 * compiled it, with helpers (esbuild's __name) the page does not have.
 */
const PAGE_SCRIPT = `(() => {
  const clock = () => performance.timeOrigin + performance.now();
  document.addEventListener("click", (event) => {
    window.benchClickAt = performance.timeOrigin + event.timeStamp;
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter") window.benchEnterAt = performance.timeOrigin + event.timeStamp;
  }, true);
  window.benchWatch = (selector, text) => {
    window.benchShown = new Promise((resolve, reject) => {
      let done = false;
      const shown = () => {
        for (const element of document.querySelectorAll(selector)) {
          if (text !== null && !element.textContent.includes(text)) continue;
          const box = element.getBoundingClientRect();
          if (box.height > 0 && box.bottom > 0 && box.top < window.innerHeight) return true;
        }
        return false;
      };
      const finish = () => {
        done = true;
        observer.disconnect();
        window.removeEventListener("scroll", check, true);
        clearTimeout(timer);
      };
      const check = () => {
        if (done || !shown()) return;
        finish();
        requestAnimationFrame(() => setTimeout(() => resolve(clock())));
      };
      // Mutations catch the element as it is added; scrolling and each frame catch it moving into view.
      const observer = new MutationObserver(check);
      observer.observe(document.body, { childList: true, subtree: true });
      window.addEventListener("scroll", check, true);
      const poll = () => {
        if (done) return;
        check();
        requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        reject(new Error(selector + " " + (text ?? "") + " was not shown within 30 s"));
      }, 30000);
    });
  };
})();`;

/** Starts watching for `selector` (with `text`) in `page`; `shownAt` then waits for it. */
async function watch(page: Page, selector: string, text: string | null = null) {
  await page.evaluate(
    ([s, t]) =>
      (window as unknown as { benchWatch(s: string, t: string | null): void }).benchWatch(s, t),
    [selector, text] as const,
  );
}

const shownAt = (page: Page) =>
  page.evaluate(() => (window as unknown as BenchWindow).benchShown as Promise<number>);

const eventAt = (page: Page, which: "benchClickAt" | "benchEnterAt") =>
  page.evaluate((key) => (window as unknown as BenchWindow)[key] ?? Number.NaN, which);

const newestSelector = (place: BrowserPlace) =>
  `[role="feed"][aria-label="Messages in #${place.name}"] article[data-sequence="${place.lastSequence}"]`;

async function launch(): Promise<{ browser: Browser; description: string }> {
  const debian = chromiumPath !== undefined;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
  });
  return {
    browser,
    description: `${debian ? "Debian's Chromium" : "Playwright's Chromium"} ${browser.version()}`,
  };
}

/** A browser context with the session cookies of a sign-in (a Cookie header "a=1; b=2"). */
async function signedInContext(browser: Browser, baseURL: string, cookie: string) {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(PAGE_SCRIPT);
  await context.addCookies(
    cookie.split("; ").map((pair) => {
      const equals = pair.indexOf("=");
      return {
        name: pair.slice(0, equals),
        value: pair.slice(equals + 1),
        url: baseURL,
        sameSite: "Lax" as const,
      };
    }),
  );
  return context;
}

async function person(baseURL: string, name: string) {
  const email = `${name.toLowerCase()}-${Date.now().toString(36)}@bench.sequent`;
  const id = await signUp(baseURL, { email, name, password: PASSWORD });
  return { id, name, cookie: await signIn(baseURL, email, PASSWORD) };
}

const channelPath = (workspaceId: string, place: BrowserPlace) => `/w/${workspaceId}/c/${place.id}`;

/** Opens `place` and waits until its newest message is shown and the live stream is up. */
async function open(page: Page, workspaceId: string, place: BrowserPlace) {
  await page.goto(channelPath(workspaceId, place));
  await page.locator(newestSelector(place)).waitFor({ timeout: 30_000 });
  await page
    .getByRole("status")
    .filter({ hasText: /(^|\s)(Connected|Caught up)$/ })
    .waitFor({ timeout: 30_000 });
}

/** The gzipped size (zlib's default level, as `gzip` uses) of every script file a cold load of `path` fetches. */
async function firstLoadJs(context: BrowserContext, path: string, ready: string) {
  const page = await context.newPage();
  const scripts: Promise<{ url: string; raw: number; gzip: number }>[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() !== "script") return;
    scripts.push(
      response.body().then((body) => ({
        url: response.url(),
        raw: body.length,
        gzip: zlib.gzipSync(body).length,
      })),
    );
  });
  await page.goto(path);
  await page.locator(ready).waitFor({ timeout: 30_000 });
  await page.waitForLoadState("load");
  const files = await Promise.all(scripts);
  await page.close();
  return {
    files: files.length,
    rawKb: files.reduce((sum, file) => sum + file.raw, 0) / 1024,
    gzipKb: files.reduce((sum, file) => sum + file.gzip, 0) / 1024,
    largest: files
      .sort((a, b) => b.gzip - a.gzip)
      .slice(0, 5)
      .map((file) => ({ url: new URL(file.url).pathname, gzipKb: file.gzip / 1024 })),
  };
}

export async function clientScenario(ctx: BenchContext) {
  const { options, recorder, log, fixture, pool } = ctx;
  const reads = await readFixture(ctx);
  const { server } = await ctx.restartApp("client");
  const baseURL = server.url;
  const [ada, bob] = [await person(baseURL, "Ada"), await person(baseURL, "Bob")];
  const places = await seedBrowserPlaces(
    pool,
    fixture,
    reads,
    [ada.id, bob.id],
    SMALL_CHANNEL_MESSAGES,
  );
  const [lounge, planning, history] = places as [BrowserPlace, BrowserPlace, BrowserPlace];
  const { browser, description } = await launch();
  log(`client: ${description}, headless`);
  recorder.note(`client: ${description}, headless, ${chromiumArgs.join(" ")}`);
  try {
    const adaContext = await signedInContext(browser, baseURL, ada.cookie);
    const bobContext = await signedInContext(browser, baseURL, bob.cookie);

    const js = await firstLoadJs(
      await signedInContext(browser, baseURL, ada.cookie),
      channelPath(fixture.workspaceId, lounge),
      newestSelector(lounge),
    );
    log(
      `client: first-load JS of a channel page: ${js.files} files, ${js.rawKb.toFixed(0)} KB, ${js.gzipKb.toFixed(1)} KB gzip`,
    );

    const adaPage = await adaContext.newPage();
    const bobPage = await bobContext.newPage();
    await open(adaPage, fixture.workspaceId, lounge);
    await open(bobPage, fixture.workspaceId, lounge);
    const sidebar = adaPage.getByRole("navigation", { name: "Channels and direct messages" });

    // Warm-up: each channel once, so the first switch does not pay for compiling the page's code.
    for (const place of [history, planning, lounge]) {
      await sidebar.getByRole("link", { name: place.name, exact: true }).click();
      await adaPage.locator(newestSelector(place)).waitFor({ timeout: 30_000 });
    }

    const switches = options.quick ? 12 : 40;
    const sends = options.quick ? 20 : 60;
    // History, then a small channel, in turn: every switch leaves the channel it measured last.
    const order = [history, planning, history, lounge];
    const switchRuns: { history: number[]; small: number[] }[] = [];
    const deliveryRuns: number[][] = [];
    let current = lounge;
    let sent = 0;
    for (let run = 1; run <= options.runs; run++) {
      const times = { history: [] as number[], small: [] as number[] };
      for (let i = 0; i < switches; i++) {
        const place = order[i % order.length] as BrowserPlace;
        if (place.id === current.id) continue;
        await watch(adaPage, newestSelector(place));
        await sidebar.getByRole("link", { name: place.name, exact: true }).click();
        const ms = (await shownAt(adaPage)) - (await eventAt(adaPage, "benchClickAt"));
        (place === history ? times.history : times.small).push(ms);
        current = place;
      }
      switchRuns.push(times);

      // Delivery: both on the lounge, live.
      await open(adaPage, fixture.workspaceId, lounge);
      current = lounge;
      const box = adaPage.getByRole("textbox", { name: `Message #${lounge.name}`, exact: true });
      const deliveries: number[] = [];
      for (let i = 0; i < sends; i++) {
        const body = `delivery ${++sent} at ${Date.now().toString(36)}`;
        await box.fill(body);
        await watch(bobPage, `[role="feed"] article[data-sequence]`, body);
        await box.press("Enter");
        deliveries.push((await shownAt(bobPage)) - (await eventAt(adaPage, "benchEnterAt")));
        // Only A writes here, one message at a time: each send is the lounge's next sequence.
        lounge.lastSequence++;
      }
      deliveryRuns.push(deliveries);

      const h = latencies(times.history);
      const s = latencies(times.small);
      const d = latencies(deliveries);
      log(
        `client · run ${run}/${options.runs}: switch to #history p50 ${h.p50.toFixed(0)} / p99 ${h.p99.toFixed(0)} ms (${h.count}), ` +
          `to a small channel p50 ${s.p50.toFixed(0)} / p99 ${s.p99.toFixed(0)} ms (${s.count}); ` +
          `send → painted on the teammate's page p50 ${d.p50.toFixed(0)} / p99 ${d.p99.toFixed(0)} ms (${d.count})`,
      );
    }

    const figures: [string, string, number[][]][] = [
      [
        "switch.history",
        `client: click on a channel → its newest message painted, #history (${options.historyMessages.toLocaleString("en-US")} messages)`,
        switchRuns.map((r) => r.history),
      ],
      [
        "switch.small",
        `client: click on a channel → its newest message painted, a channel of ${SMALL_CHANNEL_MESSAGES} messages`,
        switchRuns.map((r) => r.small),
      ],
      ["delivery", "client: Enter in A's composer → the message painted on B's page", deliveryRuns],
    ];
    for (const [key, label, samples] of figures) {
      const runs = samples.map((values) => latencies(values));
      recorder.raw("client", { kind: key, runs });
      recorder.figure({
        id: `client.${key}.p99`,
        scenario: "client",
        label: `${label}: p99`,
        unit: "ms",
        runs: runs.map((r) => r.p99),
        detail: `p50 ${median(runs.map((r) => r.p50)).toFixed(1)} ms`,
      });
    }
    recorder.raw("client", { kind: "firstLoadJs", ...js });
    recorder.figure({
      id: "client.firstLoadJs",
      scenario: "client",
      label: "client: first-load JavaScript of a channel page (gzip)",
      unit: "KB",
      runs: [js.gzipKb],
      detail: `${js.files} files, ${js.rawKb.toFixed(0)} KB before gzip`,
      target: { text: `≤ ${JS_BUDGET_KB} KB`, op: "<=", value: JS_BUDGET_KB },
    });
  } finally {
    await browser.close();
  }
}
