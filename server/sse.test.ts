/**
 * The golden test of server/sse.ts: for the same events, its frames and
 * those of tRPC's own SSE producer (sseStreamProducer, configured as our
 * settings configure ours) are byte for byte the same — tracked and
 * untracked events, the `restore-id` dance, a resumed stream, errors at
 * start and mid-stream, pings, `return`. Both sinks (the web stream of the
 * route handler, the Node response of the Node server) write the same
 * bytes. The one addition, the resume hint before the server ends a stream
 * itself, is checked on its own. And the start-up guard refuses routers
 * whose events this producer would get wrong.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getTRPCErrorFromUnknown, initTRPC, TRPCError, tracked } from "@trpc/server";
import { getErrorShape, sseStreamProducer } from "@trpc/server/unstable-core-do-not-import";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "./trpc";

// Pings every second, so a test can wait for one; read once, on the first env().
process.env.STREAM_PING_SECONDS = "1";
const sse = await import("./sse");
const PING_MS = 1000;

const t = initTRPC.create({ isDev: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Script = (signal: AbortSignal | undefined) => AsyncGenerator<unknown>;

/** The events each case yields; the same generator feeds both producers. */
const scripts: Record<string, Script> = {
  tracked: async function* () {
    yield tracked("1", { type: "message.created", position: 1, body: "hé \u2028 \n" });
    yield tracked("2", { type: "message.updated", position: 2 });
    yield tracked("3", { type: "sync", position: 3, reset: false });
  },
  untracked: async function* () {
    yield { typists: [] };
    yield "a string";
    yield 42;
    yield null;
  },
  mixed: async function* () {
    yield tracked("7", { type: "sync", position: 7 });
    yield { typists: [{ userId: "u1" }] };
    yield tracked("8", { type: "message.deleted", position: 8 });
  },
  failing: async function* () {
    yield tracked("1", { ok: true });
    throw new TRPCError({ code: "FORBIDDEN", message: "You are no longer a member." });
  },
  idle: async function* (signal) {
    yield tracked("1", { first: true });
    await sleep(PING_MS * 2.5);
    if (!signal?.aborted) yield tracked("2", { second: true });
  },
};

const router = t.router(
  Object.fromEntries(
    Object.entries(scripts).map(([name, script]) => [
      name,
      t.procedure.subscription(({ signal }) => script(signal)),
    ]),
  ),
);

const reconnectAfterInactivityMs = PING_MS * 3;

function subscription(path: string, lastEventId?: string) {
  return {
    router,
    path,
    url: new URL(`http://localhost/api/trpc/${path}`),
    headers: new Headers(lastEventId ? { "last-event-id": lastEventId } : {}),
    createContext: async () => ({}) as Context,
  };
}

async function text(body: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>)
    out += decoder.decode(chunk, { stream: true });
  return out;
}

/** Ours, through the route handler's sink. */
async function ours(path: string, lastEventId?: string): Promise<string> {
  const response = await sse.serveSubscription(subscription(path, lastEventId));
  return text(response.body as ReadableStream<Uint8Array>);
}

/** tRPC's producer on the same generator, configured as ours is by our settings. */
function theirs(path: string, lastEventId?: string): Promise<string> {
  const abort = new AbortController();
  const stream = sseStreamProducer({
    data: (scripts[path] as Script)(abort.signal),
    serialize: (value) => value,
    ping: { enabled: true, intervalMs: PING_MS },
    client: { reconnectAfterInactivityMs },
    lastEventId,
    formatError: ({ error }) =>
      getErrorShape({
        config: router._def._config,
        ctx: {},
        error: getTRPCErrorFromUnknown(error),
        input: lastEventId ? { lastEventId } : undefined,
        path,
        type: "subscription",
      }),
  });
  return text(stream as ReadableStream<Uint8Array>);
}

/** A stream's frames; pings apart, since when they fall is timing, not format. */
function frames(stream: string) {
  const all = stream.split(/(?<=\n\n\n)/);
  return {
    events: all.filter((frame) => !frame.startsWith("event: ping\n")),
    pings: all.filter((frame) => frame.startsWith("event: ping\n")),
  };
}

describe("server/sse.ts writes tRPC's frames, byte for byte", () => {
  for (const [path, lastEventId] of [
    ["tracked", undefined],
    ["untracked", undefined],
    ["mixed", undefined],
    ["untracked", "41"],
    ["failing", undefined],
  ] as const) {
    it(`${path}${lastEventId ? `, resumed after ${lastEventId}` : ""}`, async () => {
      const [mine, tRPCs] = await Promise.all([ours(path, lastEventId), theirs(path, lastEventId)]);
      expect(mine).toBe(tRPCs);
      expect(mine.startsWith("event: connected\n")).toBe(true);
    });
  }

  it("an idle stream's pings", async () => {
    const [mine, tRPCs] = await Promise.all([ours("idle"), theirs("idle")]);
    const a = frames(mine);
    const b = frames(tRPCs);
    expect(a.events).toEqual(b.events);
    expect(a.pings.length).toBeGreaterThanOrEqual(1);
    expect(b.pings.length).toBeGreaterThanOrEqual(1);
    expect(new Set([...a.pings, ...b.pings])).toEqual(new Set(["event: ping\ndata: \n\n\n"]));
  }, 10_000);

  it("an error before the stream starts: `connected`, then the error", async () => {
    const response = await sse.serveSubscription({
      ...subscription("tracked"),
      createContext: () => Promise.reject(new TRPCError({ code: "UNAUTHORIZED" })),
    });
    const body = await text(response.body as ReadableStream<Uint8Array>);
    const [connected, error, ...rest] = body.split(/(?<=\n\n\n)/);
    expect(connected).toBe(
      `event: connected\ndata: ${JSON.stringify({ reconnectAfterInactivityMs })}\n\n\n`,
    );
    expect(error).toMatch(/^event: serialized-error\ndata: \{.*"code":"UNAUTHORIZED".*\}\n\n\n$/);
    expect(rest).toEqual([]);
  });
});

describe("the Node sink", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = (req.url ?? "/").slice(1);
      void sse.streamSubscription(
        subscription(path, req.headers["last-event-id"] as string | undefined),
        res,
        {},
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("writes what the web sink writes, with the SSE headers", async () => {
    for (const [path, lastEventId] of [
      ["tracked", undefined],
      ["mixed", undefined],
      ["untracked", "41"],
      ["failing", undefined],
    ] as const) {
      const response = await fetch(`${base}/${path}`, {
        headers: lastEventId ? { "last-event-id": lastEventId } : {},
      });
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
      expect(await response.text()).toBe(await ours(path, lastEventId));
    }
  });
});

describe("the start-up guard", () => {
  it("accepts the app's router and a plain one", async () => {
    const { appRouter } = await import("./routers/_app");
    expect(sse.leanProducerProblem(appRouter)).toBeUndefined();
    expect(sse.leanProducerProblem(router)).toBeUndefined();
  });

  it("refuses a router with a data transformer, in one line", () => {
    const withTransformer = initTRPC.create({
      transformer: {
        serialize: (value: unknown) => ({ json: value, meta: {} }),
        deserialize: (value: unknown) => (value as { json: unknown }).json,
      },
    });
    const problem = sse.leanProducerProblem(withTransformer.router({}));
    expect(problem).toMatch(/data transformer/);
    expect(problem).not.toContain("\n");
  });

  it("refuses a router with tRPC sse options", () => {
    const withSse = initTRPC.create({ sse: { ping: { enabled: true, intervalMs: 500 } } });
    expect(sse.leanProducerProblem(withSse.router({}))).toMatch(/sse/);
  });
});

describe("when the server ends a stream itself", () => {
  it("sends a resume hint (a short `retry:`) and no `return`, then refuses new streams the same way", async () => {
    const response = await sse.serveSubscription(subscription("idle"));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let body = "";
    while (!body.includes('"first":true')) body += decoder.decode((await reader.read()).value);
    expect(sse.endStreamsForShutdown()).toBe(1);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      body += decoder.decode(value);
    }
    const last = body.split(/(?<=\n\n)/).at(-1) as string;
    expect(last).toMatch(/^retry: \d{1,4}\n\n$/);
    expect(Number(/\d+/.exec(last)?.[0])).toBeLessThan(1000);
    expect(body).not.toContain("event: return");

    const refused = await sse.serveSubscription(subscription("tracked"));
    expect(refused.headers.get("connection")).toBe("close");
    expect(await text(refused.body as ReadableStream<Uint8Array>)).toMatch(/^retry: \d+\n\n$/);
  });
});
