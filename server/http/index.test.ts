/**
 * The HTTP rules as plain functions: who the client is behind proxies, how a
 * body is read, which requests are refused before tRPC sees them; then the
 * same rules over real HTTP, where both entries must answer alike.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "@/lib/process";
import { type AppServer, type Entry, entries, startAppServer } from "@/testing/app-server";
import { signIn, signUp } from "@/testing/http";
import {
  batchSize,
  clientAddress,
  compileTrust,
  type Peer,
  rateLimitAddress,
  readBody,
  refuseApiRequest,
  requestScheme,
} from "./index";

const peer = (address: string, forwardedFor?: string, extra: Partial<Peer> = {}): Peer => ({
  address,
  encrypted: false,
  forwardedFor,
  ...extra,
});
const none = compileTrust({ kind: "none" });
const oneHop = compileTrust({ kind: "hops", hops: 1 });
const loopback = compileTrust({ kind: "addresses", entries: ["loopback"] });
const proxies = compileTrust({ kind: "addresses", entries: ["10.0.0.0/8", "192.0.2.7"] });

describe("the client address (finding 3)", () => {
  it("is the socket's without trusted proxies, whatever X-Forwarded-For says", () => {
    for (const header of ["127.0.0.1", "203.0.113.9", "127.0.0.1, 198.51.100.4", "garbage"]) {
      expect(clientAddress(peer("198.51.100.4", header), none)).toEqual({
        address: "198.51.100.4",
        isPeer: true,
      });
    }
  });

  it("is read from the right: a client-written first entry is never believed", () => {
    // The proxy appended the real address; the client wrote "127.0.0.1".
    expect(clientAddress(peer("10.0.0.2", "127.0.0.1, 203.0.113.5"), oneHop).address).toBe(
      "203.0.113.5",
    );
    expect(clientAddress(peer("10.0.0.2", "1.1.1.1, 2.2.2.2, 203.0.113.5"), proxies).address).toBe(
      "203.0.113.5",
    );
    // Two trusted proxies in a row.
    expect(clientAddress(peer("10.0.0.2", "203.0.113.5, 192.0.2.7"), proxies).address).toBe(
      "203.0.113.5",
    );
  });

  it("believes nothing forwarded from a peer that is not a trusted proxy", () => {
    expect(clientAddress(peer("203.0.113.66", "127.0.0.1"), proxies)).toEqual({
      address: "203.0.113.66",
      isPeer: true,
    });
  });

  it("exempts only a real loopback socket from per-address limits", () => {
    expect(rateLimitAddress(peer("127.0.0.1"))).toBeNull();
    expect(rateLimitAddress(peer("::ffff:127.0.0.1"))).toBeNull();
    expect(rateLimitAddress(peer("203.0.113.5", "127.0.0.1"))).toBe("203.0.113.5");
    // Without the hook there is no peer: everyone shares one bucket, nobody is exempt.
    expect(rateLimitAddress(undefined)).toBe("unknown");
  });

  it("counts IPv6 clients per /64 and trusts loopback proxies when told", () => {
    expect(rateLimitAddress(peer("2001:db8:1:2:aaaa::1"))).toBe("2001:db8:1:2::/64");
    expect(rateLimitAddress(peer("2001:db8:1:2:bbbb::9"))).toBe("2001:db8:1:2::/64");
    expect(clientAddress(peer("127.0.0.1", "203.0.113.8"), loopback)).toEqual({
      address: "203.0.113.8",
      isPeer: false,
    });
  });
});

describe("the scheme", () => {
  it("is the connection's unless a trusted proxy says otherwise", () => {
    expect(requestScheme(peer("203.0.113.5", undefined, { forwardedProto: "https" }))).toBe("http");
    expect(requestScheme(peer("203.0.113.5", undefined, { encrypted: true }))).toBe("https");
  });
});

describe("reading a body (finding 1)", () => {
  async function* chunks(count: number, size: number) {
    for (let i = 0; i < count; i++) yield new Uint8Array(size);
  }

  it("stops at the limit, drops at most 1 MiB more so the sender can read the answer, then cancels", async () => {
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 10_000) controller.close();
        else controller.enqueue(new Uint8Array(16 * 1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const result = await readBody(stream, 64 * 1024);
    expect(result.ok).toBe(false);
    await waitFor(() => cancelled, 5_000, "the cancellation");
    // 16 KiB chunks: 64 KiB kept, 1 MiB dropped, a few buffered ahead — not 10,000.
    expect(pulled).toBeLessThan(80);
  });

  it("gives up on a refused body whose sender stalls", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(65));
      },
      cancel() {
        cancelled = true;
      },
    });
    expect((await readBody(stream, 64)).ok).toBe(false);
    await waitFor(() => cancelled, 8_000, "the stalled body's cancellation");
  });

  it("refuses by Content-Length before reading, and returns small bodies whole", async () => {
    expect(await readBody(chunks(1, 10), 64, "100000000")).toEqual({ ok: false, limit: 64 });
    const small = await readBody(chunks(3, 10), 64, "30");
    expect(small.ok && small.bytes.byteLength).toBe(30);
  });
});

describe("requests refused before tRPC", () => {
  const facts = (url: string, method = "GET", headers: Record<string, string> = {}) => ({
    method,
    url: new URL(url),
    headers: new Headers(headers),
    peer: peer("127.0.0.1"),
  });

  it("refuses a batch of more than 20 procedures (finding 11)", () => {
    const paths = Array.from({ length: 1800 }, () => "user.me").join(",");
    const url = `http://app.test/api/trpc/${paths}?batch=1`;
    expect(batchSize(new URL(url), "/api/trpc")).toBe(1800);
    expect(refuseApiRequest(facts(url), "/api/trpc")?.status).toBe(400);
    const twenty = Array.from({ length: 20 }, () => "user.me").join(",");
    expect(refuseApiRequest(facts(`http://app.test/api/trpc/${twenty}?batch=1`), "/api/trpc")).toBe(
      undefined,
    );
  });

  it("judges the origin by Host, not by a client's X-Forwarded-Host (finding 15)", () => {
    const post = (headers: Record<string, string>) =>
      refuseApiRequest(
        facts("http://app.test/api/trpc/workspace.create", "POST", {
          "content-type": "application/json",
          host: "app.test",
          ...headers,
        }),
        "/api/trpc",
      )?.status;
    expect(post({ origin: "http://app.test" })).toBeUndefined();
    expect(post({ origin: "https://evil.example", "x-forwarded-host": "evil.example" })).toBe(403);
  });
});

/**
 * Both entries to the API — the Node server `npm start` runs and the route
 * handler under `next start` — answer the same raw requests alike: status,
 * every header that is not transport bookkeeping, and body. A rule applied
 * on one side only, or a translation that differs (peer, forwarded headers,
 * cookies, bodies), shows here first.
 */
describe("both entries answer alike", () => {
  const servers = new Map<Entry, AppServer>();
  beforeAll(async () => {
    const started = await Promise.all(
      entries.map((entry) =>
        startAppServer({
          entry,
          databaseUrl: inject("databaseUrl"),
          // The test client plays a proxy on loopback, so X-Forwarded-* is believed.
          env: { TRUST_PROXY: "loopback", REDIS_URL: undefined },
        }),
      ),
    );
    for (const server of started) servers.set(server.entry, server);
  }, 300_000);
  afterAll(() => Promise.all([...servers.values()].map((server) => server.stop())));

  /** What may differ between two answers: bookkeeping of the connection, Next.js's own Vary. */
  const IGNORED = new Set([
    "date",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "vary",
    "x-request-id",
  ]);

  interface Probe {
    name: string;
    path: string;
    method?: string;
    headers?: Record<string, string>;
    body?: () => BodyInit;
    /** Answers of Next.js's own pages carry a fresh nonce: compare status and headers only. */
    page?: boolean;
  }

  async function answer(base: string, probe: Probe) {
    const response = await fetch(new URL(probe.path, base), {
      method: probe.method ?? "GET",
      headers: probe.headers,
      body: probe.body?.(),
      redirect: "manual",
      duplex: "half",
    } as RequestInit);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!IGNORED.has(name)) headers[name] = name === "set-cookie" ? "(set)" : value;
    });
    const text = await response.text();
    return {
      status: response.status,
      requestId: response.headers.has("x-request-id"),
      headers,
      body: probe.page ? "" : text,
    };
  }

  const json = { "content-type": "application/json" };
  const chunked = (bytes: number) => () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent < bytes; sent += 16 * 1024)
          controller.enqueue(new Uint8Array(16 * 1024).fill(32));
        controller.close();
      },
    });
  const probes: Probe[] = [
    { name: "a query without credentials", path: "/api/trpc/user.me" },
    {
      name: "a garbage API token",
      path: "/api/trpc/user.me",
      headers: { authorization: "Bearer sq_garbage" },
    },
    {
      name: "a session cookie that does not verify",
      path: "/api/trpc/user.me",
      headers: { cookie: "authjs.session-token=not-a-jwt" },
    },
    { name: "an unknown procedure", path: "/api/trpc/user.nothing" },
    { name: "input that is not JSON", path: "/api/trpc/channel.list?input=%7Bnope" },
    { name: "bad input", path: `/api/trpc/channel.list?input=${encodeURIComponent("{}")}` },
    {
      name: "a batch of 21",
      path: `/api/trpc/${Array(21).fill("user.me").join(",")}?batch=1`,
    },
    {
      name: "a batch of 2",
      path: `/api/trpc/user.me,token.list?batch=1&input=${encodeURIComponent("{}")}`,
    },
    { name: "a mutation by GET", path: "/api/trpc/workspace.create" },
    {
      name: "a text/plain mutation",
      path: "/api/trpc/workspace.create",
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: () => '{"name":"x"}',
    },
    {
      name: "a cross-site cookie mutation",
      path: "/api/trpc/workspace.create",
      method: "POST",
      headers: { ...json, origin: "https://evil.example", cookie: "authjs.session-token=x" },
      body: () => '{"name":"x"}',
    },
    {
      name: "a cross-site Bearer mutation",
      path: "/api/trpc/workspace.create",
      method: "POST",
      headers: { ...json, origin: "https://evil.example", authorization: "Bearer sq_garbage" },
      body: () => '{"name":"x"}',
    },
    {
      name: "a body over the limit, by Content-Length",
      path: "/api/trpc/auth.signUp",
      method: "POST",
      headers: json,
      body: () => " ".repeat(65 * 1024 + 1),
    },
    {
      name: "a body over the limit, chunked",
      path: "/api/trpc/auth.signUp",
      method: "POST",
      headers: json,
      body: chunked(256 * 1024),
    },
    {
      name: "malformed JSON",
      path: "/api/trpc/auth.signUp",
      method: "POST",
      headers: json,
      body: () => "{",
    },
    {
      name: "HSTS when a trusted proxy says https",
      path: "/api/trpc/user.me",
      headers: { "x-forwarded-proto": "https" },
    },
    {
      name: "a subscription without credentials (SSE)",
      path: `/api/trpc/message.onEvent?input=${encodeURIComponent(JSON.stringify({ channelId: "00000000-0000-4000-8000-000000000000" }))}`,
      headers: { accept: "text/event-stream" },
    },
    { name: "PUT", path: "/api/trpc/user.me", method: "PUT" },
    { name: "OPTIONS", path: "/api/trpc/user.me", method: "OPTIONS" },
    { name: "HEAD", path: "/api/trpc/user.me", method: "HEAD" },
    { name: "a trailing slash (Next.js)", path: "/api/trpc/user.me/", page: true },
    { name: "no procedure (Next.js)", path: "/api/trpc", page: true },
    { name: "health (Next.js)", path: "/api/health" },
  ];

  for (const probe of probes) {
    it(probe.name, async () => {
      const [node, next] = await Promise.all(
        entries.map((entry) => answer((servers.get(entry) as AppServer).url, probe)),
      );
      expect(node).toEqual(next);
    });
  }

  it("a session cookie, by name and scheme, on both", async () => {
    const [node, next] = entries.map((entry) => (servers.get(entry) as AppServer).url) as [
      string,
      string,
    ];
    const person = {
      email: `both.${randomUUID().slice(0, 8)}@example.test`,
      name: "Both",
      password: "correct horse battery staple",
    };
    await signUp(node, person);
    const https = { "x-forwarded-proto": "https" };
    const plain = await signIn(node, person.email, person.password);
    const secure = await signIn(next, person.email, person.password, { headers: https });
    expect(secure).toContain("__Secure-authjs.session-token=");
    for (const [name, cookie, headers, status] of [
      ["plain cookie over http", plain, {}, 200],
      ["__Secure- cookie over https", secure, https, 200],
      ["__Secure- cookie over http", secure, {}, 401],
      ["plain cookie over https", plain, https, 401],
    ] as const) {
      const probe = { name, path: "/api/trpc/user.me", headers: { ...headers, cookie } };
      const answers = await Promise.all([answer(node, probe), answer(next, probe)]);
      expect(answers[0].status, name).toBe(status);
      expect(answers[0], name).toEqual(answers[1]);
    }
  });
});
