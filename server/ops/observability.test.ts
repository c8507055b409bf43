/**
 * What the production server tells its operator, read from a real process:
 * one JSON line per request, fault and stream with the fields an operator
 * needs and none of the secrets a request carried; no stack traces for
 * what is expected (a 404 page, a bad cookie, refusals); and /api/metrics,
 * refused without its token, counting sends, streams, deliveries and
 * replays by the right amounts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, type Database } from "@/db/client";
import { waitFor } from "@/lib/process";
import type { TargetStreamEvent } from "@/server/realtime/events";
import { newUser, newWorkspace, type TestUser } from "@/testing/api";
import { type AppServer, startAppServer } from "@/testing/app-server";
import { signIn, trpcMutation, trpcQuery } from "@/testing/http";
import { apiClient, record } from "@/testing/sse";
import { createThrowawayDatabase, type ThrowawayDatabase } from "@/testing/throwaway";

const METRICS_TOKEN = randomBytes(24).toString("hex");

let database: ThrowawayDatabase;
let pool: Database;
let server: AppServer;
let user: TestUser;
let cookie: string;
let token: string;
let workspaceId: string;
let channelId: string;

beforeAll(async () => {
  database = await createThrowawayDatabase({
    prefix: "sequent_observe",
    serverUrl: inject("databaseServerUrl"),
  });
  pool = connect(database.url, "pg", { max: 4 });
  server = await startAppServer({
    databaseUrl: database.url,
    env: { METRICS_TOKEN, LOG_LEVEL: "info", REDIS_URL: undefined },
  });
  user = await newUser(pool.db, "Observer");
  const workspace = await newWorkspace(user);
  workspaceId = workspace.id;
  channelId = workspace.generalChannelId;
  token = (await user.api.token.create({ name: "observability" })).token;
  cookie = await signIn(server.url, user.email, "correct horse battery staple");
}, 600_000);

afterAll(async () => {
  await server?.stop();
  await pool?.close();
  await database?.dispose();
});

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The server's output from `from` on, and its JSON lines. */
function outputSince(from: number) {
  const text = server.output().slice(from);
  const lines: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // A line still being written.
    }
  }
  return { text, lines };
}

async function lineFor(from: number, match: (line: LogLine) => boolean, what: string) {
  let found: LogLine | undefined;
  await waitFor(
    () => {
      found = outputSince(from).lines.find(match);
      return found !== undefined;
    },
    10_000,
    what,
  );
  return found as LogLine;
}

const send = (body: string, headers: Record<string, string> = {}) =>
  trpcMutation(
    server.url,
    "message.send",
    { channelId, body, clientMessageId: randomUUID() },
    { cookie, headers: { origin: server.url, ...headers } },
  );

describe("request, fault and stream lines", () => {
  it("logs one line per request with its fields, echoing a sane X-Request-Id", async () => {
    const from = server.output().length;
    const requestId = "lb-7f3a.9c:01";
    const reply = await send("hello", { "x-request-id": requestId });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("x-request-id")).toBe(requestId);
    const line = await lineFor(
      from,
      (l) => l.msg === "request" && l.requestId === requestId,
      "the request line",
    );
    expect(line).toMatchObject({
      level: 30,
      method: "POST",
      path: "/api/trpc/message.send",
      procedures: ["message.send"],
      status: 200,
      userId: user.id,
    });
    expect(typeof line.ms).toBe("number");
    expect(outputSince(from).lines.filter((l) => l.requestId === requestId)).toHaveLength(1);
  });

  it("replaces an X-Request-Id that is too long or has unsafe characters", async () => {
    const from = server.output().length;
    for (const given of ["x".repeat(129), "a b", "<script>", "id;drop"]) {
      const reply = await trpcQuery(server.url, "user.me", undefined, {
        token,
        headers: { "x-request-id": given },
      });
      const echoed = reply.headers.get("x-request-id") ?? "";
      expect(echoed).not.toBe(given);
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
      // The line may follow the answer: wait for it, so no later test reads it as its own.
      await lineFor(from, (l) => l.msg === "request" && l.requestId === echoed, "the request line");
    }
  });

  it("never logs bodies, cookies, tokens, passwords or query inputs", async () => {
    const from = server.output().length;
    const secretBody = `body-secret-${randomUUID()}`;
    const secretQuery = `query-secret-${randomUUID()}`;
    const fakeToken = `sq_${randomBytes(24).toString("hex")}`;
    expect((await send(secretBody)).status).toBe(200);
    // An Authorization header wins over the cookie: this one is refused.
    const refused = await send("x", { authorization: `Bearer ${fakeToken}` });
    expect(refused.status).toBe(401);
    await trpcQuery(server.url, "message.search", { workspaceId, query: secretQuery }, { token });
    await trpcMutation(
      server.url,
      "auth.signUp",
      { email: "not-an-email", name: "N", password: "password-secret-123456" },
      { headers: { origin: server.url } },
    );
    await lineFor(from, (l) => l.msg === "request" && l.path === "/api/trpc/auth.signUp", "lines");
    const { text, lines } = outputSince(from);
    for (const secret of [
      secretBody,
      secretQuery,
      fakeToken,
      token,
      "password-secret-123456",
      ...cookie.split("; ").map((pair) => pair.slice(pair.indexOf("=") + 1)),
    ])
      expect(text).not.toContain(secret);
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests.map((l) => [l.path, l.status])).toEqual([
      ["/api/trpc/message.send", 200],
      ["/api/trpc/message.send", 401],
      ["/api/trpc/message.search", 200],
      ["/api/trpc/auth.signUp", 400],
    ]);
    expect(requests[1]?.failed).toEqual([{ procedure: "message.send", status: 401 }]);
    expect(requests[1]?.userId).toBeUndefined();
  });

  it("logs a fault once, with the error id the client was told and the request id", async () => {
    await pool.db.execute(`alter table workspaces rename to workspaces_away`);
    let reply: Awaited<ReturnType<typeof trpcQuery>>;
    const from = server.output().length;
    try {
      reply = await trpcQuery(server.url, "workspace.list", undefined, { token });
    } finally {
      await pool.db.execute(`alter table workspaces_away rename to workspaces`);
    }
    expect(reply.status).toBe(500);
    const errorId = (reply.body.error?.data as { errorId?: string } | undefined)?.errorId;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    const requestId = reply.headers.get("x-request-id");
    const fault = await lineFor(from, (l) => l.errorId === errorId, "the fault line");
    expect(fault).toMatchObject({ level: 50, requestId, path: "workspace.list" });
    expect(JSON.stringify(fault.err)).toContain("workspaces");
    const request = await lineFor(
      from,
      (l) => l.msg === "request" && l.requestId === requestId,
      "the request line",
    );
    expect(request).toMatchObject({ status: 500, level: 40 });
    expect(outputSince(from).lines.filter((l) => l.errorId === errorId)).toHaveLength(1);
  });

  it("logs a stream opening and closing, with why and for how long", async () => {
    const from = server.output().length;
    const stream = record<TargetStreamEvent>((handlers) =>
      apiClient(server.url, { token }).message.onEvent.subscribe({ channelId }, handlers),
    );
    await stream.until((r) => r.events.some((e) => e.data.type === "sync"));
    const opened = await lineFor(from, (l) => l.msg === "stream opened", "stream opened");
    expect(opened).toMatchObject({ procedure: "message.onEvent", userId: user.id });
    expect(opened.requestId).toEqual(expect.any(String));
    stream.close();
    const closed = await lineFor(from, (l) => l.msg === "stream closed", "stream closed");
    expect(closed).toMatchObject({
      procedure: "message.onEvent",
      requestId: opened.requestId,
      reason: "client",
      events: 1,
    });
    expect(closed.ms).toEqual(expect.any(Number));
  });
});

describe("expected errors log no stack traces", () => {
  it("a 404 page, a signed-out page, a bad cookie and tRPC refusals", async () => {
    const from = server.output().length;
    const page = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, { headers, redirect: "manual" }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });
    const nowhere = randomUUID();
    expect(await page("/w/not-a-uuid", { cookie })).toBe(404);
    expect(await page(`/w/${nowhere}`, { cookie })).toBe(404);
    expect(await page(`/w/${workspaceId}/c/${nowhere}`, { cookie })).toBe(404);
    expect(await page(`/w/${workspaceId}/c/not-a-uuid`, { cookie })).toBe(404);
    expect(await page(`/w/${nowhere}/members`, { cookie })).toBe(404);
    expect(await page(`/w/not-a-uuid/threads`, { cookie })).toBe(404);
    expect(await page("/no/such/page")).toBe(404);
    for (const path of ["/w/not-a-uuid", `/w/${workspaceId}`, `/w/${workspaceId}/c/${channelId}`])
      expect(await page(path)).toBe(307);
    const garbage = "authjs.session-token=garbage.not.a.jwt";
    expect(await page("/", { cookie: garbage })).toBe(307);
    expect(await page(`/w/${workspaceId}`, { cookie: garbage })).toBe(307);
    expect((await trpcQuery(server.url, "user.me", undefined, { cookie: garbage })).status).toBe(
      401,
    );
    const refusals = [
      await trpcQuery(server.url, "workspace.get", { workspaceId: nowhere }, { token }),
      await trpcQuery(server.url, "workspace.get", { workspaceId: "nope" }, { token }),
      await trpcQuery(server.url, "user.me"),
      await trpcMutation(server.url, "token.create", { name: "x" }, { token }),
    ];
    expect(refusals.map((reply) => reply.status)).toEqual([404, 400, 401, 403]);
    await lineFor(from, (l) => l.path === "/api/trpc/token.create", "the last request line");

    const { text, lines } = outputSince(from);
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).not.toContain("⨯");
    expect(text).not.toContain("TRPCError");
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    const cookieLines = lines.filter((l) => l.kind === "JWTSessionError");
    expect(cookieLines.length).toBeLessThanOrEqual(1);
    for (const line of cookieLines) expect(line).not.toHaveProperty("err");
    // Nothing the server printed is anything but a JSON line.
    expect(text.split("\n").filter((line) => line.trim() && !line.startsWith("{"))).toEqual([]);
  });
});

async function scrape(authorization?: string) {
  return fetch(`${server.url}/api/metrics`, {
    headers: authorization ? { authorization } : {},
  });
}

/** The value of one sample (0 when absent), e.g. value(text, 'sequent_streams_open'). */
function value(text: string, sample: string): number {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return 0;
}

async function metrics() {
  const response = await scrape(`Bearer ${METRICS_TOKEN}`);
  expect(response.status).toBe(200);
  return response.text();
}

describe("/api/metrics", () => {
  it("refuses a scrape without the token or with another one (401 with a challenge)", async () => {
    for (const authorization of [
      undefined,
      `Bearer ${METRICS_TOKEN.slice(0, -1)}`,
      `Bearer ${METRICS_TOKEN}x`,
      `Basic ${Buffer.from(`metrics:${METRICS_TOKEN}`).toString("base64")}`,
      METRICS_TOKEN,
      `Bearer ${token}`,
    ]) {
      const response = await scrape(authorization);
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
      expect(await response.text()).not.toContain("sequent_");
    }
  });

  it("serves Prometheus text with the process, pool and event-loop metrics", async () => {
    const response = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const name of [
      "nodejs_eventloop_lag_p99_seconds",
      "process_cpu_seconds_total",
      'sequent_db_pool_connections{state="total"}',
      'sequent_db_pool_connections{state="waiting"}',
      "sequent_streams_open",
    ])
      expect(text).toContain(name);
    expect(value(text, 'sequent_db_pool_connections{state="total"}')).toBeGreaterThan(0);
  });

  it("counts sends, calls, open streams, deliveries, replays and bus rings by the right amounts", async () => {
    const stream = record<TargetStreamEvent>((handlers) =>
      apiClient(server.url, { token }).message.onEvent.subscribe({ channelId }, handlers),
    );
    await stream.until((r) => r.events.some((e) => e.data.type === "sync"));
    const ok = 'sequent_http_requests_total{procedure="message.send",status_class="2xx"}';
    const bad = 'sequent_http_requests_total{procedure="message.send",status_class="4xx"}';
    const before = await metrics();
    expect(value(before, "sequent_streams_open")).toBe(1);

    for (let i = 0; i < 5; i++) expect((await send(`counted ${i}`)).status).toBe(200);
    expect((await send("")).status).toBe(400);
    await stream.until(
      (r) => r.events.filter((e) => e.data.type === "message.created").length === 5,
    );
    const after = await metrics();
    const delta = (sample: string) => value(after, sample) - value(before, sample);
    expect(delta("sequent_messages_sent_total")).toBe(5);
    expect(delta(ok)).toBe(5);
    expect(delta(bad)).toBe(1);
    expect(
      delta(
        'sequent_http_request_duration_seconds_count{procedure="message.send",status_class="2xx"}',
      ),
    ).toBe(5);
    expect(delta("sequent_stream_events_delivered_total")).toBe(5);
    expect(delta('sequent_bus_published_total{transport="local"}')).toBeGreaterThanOrEqual(5);

    stream.close();
    await waitFor(
      async () => value(await metrics(), "sequent_streams_open") === 0,
      10_000,
      "the stream to be counted closed",
    );

    // A resume on a channel nobody follows here reads its backlog from PostgreSQL;
    // one on the followed channel finds it in the feed's memory.
    const quiet = await user.api.channel.create({ workspaceId, name: `quiet-${Date.now()}` });
    for (let i = 0; i < 3; i++)
      await user.api.message.send({
        channelId: quiet.id,
        body: `q${i}`,
        clientMessageId: randomUUID(),
      });
    const beforeReplays = await metrics();
    for (const [target, lastEventId] of [
      [quiet.id, "1"],
      [channelId, "2"],
    ] as const) {
      const resumed = record<TargetStreamEvent>((handlers) =>
        apiClient(server.url, { token }).message.onEvent.subscribe(
          { channelId: target, lastEventId },
          handlers,
        ),
      );
      await resumed.until((r) => r.events.some((e) => e.data.type === "sync"));
      resumed.close();
    }
    const afterReplays = await metrics();
    const replays = (source: string) =>
      value(afterReplays, `sequent_replay_pages_total{source="${source}"}`) -
      value(beforeReplays, `sequent_replay_pages_total{source="${source}"}`);
    expect(replays("database")).toBe(1);
    expect(replays("memory")).toBe(1);
  });
});

describe("the database pool's gauge", () => {
  it("is read from the pool without opening connections of its own", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const count = async () =>
        Number(
          (
            await client.query(
              "select count(*) as n from pg_stat_activity where datname = current_database()",
            )
          ).rows[0].n,
        );
      const before = await count();
      for (let i = 0; i < 5; i++) await metrics();
      expect(await count()).toBeLessThanOrEqual(before);
    } finally {
      await client.end();
    }
  });
});
