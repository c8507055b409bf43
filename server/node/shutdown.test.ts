/**
 * SIGTERM under load (issue 14): two instances of the Node server (what
 * `npm start` runs) behind a loopback balancer, sharing PostgreSQL and a
 * Redis of their own; senders that retry with the same clientMessageId, and
 * tRPC clients (EventSource, as browsers) following the channel. One
 * instance gets SIGTERM mid-load. It must exit 0 within its bound; every
 * acknowledged send is stored exactly once; every follower sees every
 * message exactly once; and the followers it held resume on the other
 * instance within about a second — an EventSource left to itself waits 3 s
 * before reconnecting. The figures are printed.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sleep } from "@/lib/process";
import type { TargetStreamEvent } from "@/server/realtime/events";
import { newUser, newWorkspace } from "@/testing/api";
import { type AppServer, startAppServer } from "@/testing/app-server";
import { type Balancer, startBalancer } from "@/testing/balancer";
import { testDatabase } from "@/testing/db";
import { RedisProcess } from "@/testing/delivery/cluster";
import { apiClient } from "@/testing/sse";

const { db } = testDatabase("pg", 5);
const FOLLOWERS = 8;
const SENDERS = 4;
/** An EventSource's own reconnect delay (the `eventsource` package's and browsers'). */
const EVENTSOURCE_DEFAULT_RETRY_MS = 3_000;

let redis: RedisProcess;
let servers: AppServer[] = [];
let balancer: Balancer;

beforeAll(async () => {
  redis = await RedisProcess.start();
  servers = await Promise.all(
    [0, 1].map(() =>
      startAppServer({
        databaseUrl: inject("databaseUrl"),
        env: { REDIS_URL: redis.url, RATE_LIMIT_SEND: "1000000/60", STREAMS_PER_TOKEN: "100" },
      }),
    ),
  );
  balancer = await startBalancer(servers.map((server) => server.port));
}, 300_000);

afterAll(async () => {
  await balancer?.close();
  await Promise.all(servers.map((server) => server.stop()));
  await redis?.kill();
});

interface Seen {
  at: number;
  event: TargetStreamEvent;
}

describe("SIGTERM under load", () => {
  it("loses nothing, and the stopped instance's followers resume elsewhere within a second", async () => {
    const owner = await newUser(db, "Owner");
    const workspace = await newWorkspace(owner);
    const channelId = (await owner.api.workspace.get({ workspaceId: workspace.id }))
      .generalChannelId as string;
    const { token } = await owner.api.token.create({ name: "load" });

    const followers = Array.from({ length: FOLLOWERS }, () => {
      const seen: Seen[] = [];
      /** When the client saw its stream end and began to reconnect. */
      const reconnecting: number[] = [];
      const subscription = apiClient(balancer.url, { token }).message.onEvent.subscribe(
        { channelId },
        {
          onData: (value) => {
            seen.push({ at: Date.now(), event: (value as { data: TargetStreamEvent }).data });
          },
          onConnectionStateChange: (state) => {
            if (state.state === "connecting") reconnecting.push(Date.now());
          },
        },
      );
      return { seen, reconnecting, subscription };
    });
    const synced = (seen: Seen[], after = 0) =>
      seen.find((entry) => entry.event.type === "sync" && entry.at > after);
    const deadline = Date.now() + 20_000;
    while (!followers.every(({ seen }) => synced(seen))) {
      if (Date.now() > deadline) throw new Error("followers did not all sync");
      await sleep(20);
    }

    let sending = true;
    const acknowledged = new Set<string>();
    let failedAttempts = 0;
    const senders = Array.from({ length: SENDERS }, async (_, sender) => {
      while (sending) {
        const clientMessageId = randomUUID();
        for (;;) {
          try {
            const response = await fetch(`${balancer.url}/api/trpc/message.send`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
              body: JSON.stringify({ channelId, body: `from ${sender}`, clientMessageId }),
            });
            if (response.ok) {
              acknowledged.add(clientMessageId);
              break;
            }
            await response.arrayBuffer();
          } catch {
            // A connection cut by the stopping instance: sent again, with the same id.
          }
          failedAttempts++;
          await sleep(20);
        }
      }
    });

    await sleep(1_500);
    const [victim] = servers as [AppServer, AppServer];
    const exited = new Promise<number | null>((resolve) =>
      victim.child.once("exit", (code) => resolve(code)),
    );
    const stoppedAt = Date.now();
    victim.child.kill("SIGTERM");
    const exitCode = await exited;
    const exitMs = Date.now() - stoppedAt;
    await sleep(1_500);
    sending = false;
    await Promise.all(senders);

    const [{ revision }] = (
      await db.execute(sql`select last_revision as revision from channels where id = ${channelId}`)
    ).rows as [{ revision: number }];
    const caughtUp = Date.now() + 20_000;
    const highest = (seen: Seen[]) =>
      Math.max(0, ...seen.map((entry) => ("position" in entry.event ? entry.event.position : 0)));
    while (!followers.every(({ seen }) => highest(seen) >= revision)) {
      if (Date.now() > caughtUp) break;
      await sleep(20);
    }
    for (const { subscription } of followers) subscription.unsubscribe();

    const stored = (
      await db.execute(
        sql`select id, client_message_id as "clientMessageId" from messages where channel_id = ${channelId}`,
      )
    ).rows as { id: string; clientMessageId: string }[];
    const moved = followers.filter(({ seen }) => synced(seen, stoppedAt));
    const resumedAfter = moved
      .map(({ seen }) => (synced(seen, stoppedAt) as Seen).at - stoppedAt)
      .sort((a, b) => a - b);
    const endedAfter = moved
      .map(
        ({ reconnecting }) => (reconnecting.find((at) => at > stoppedAt) ?? Number.NaN) - stoppedAt,
      )
      .sort((a, b) => a - b);
    console.log(
      `SIGTERM under load: exit ${exitCode} after ${exitMs} ms; ${acknowledged.size} sends acknowledged ` +
        `(${failedAttempts} attempts retried); ${moved.length} of ${FOLLOWERS} followers saw their stream end ` +
        `${endedAfter.join(", ")} ms and resumed on the other instance ${resumedAfter.join(", ")} ms ` +
        `after the SIGTERM; connections per instance ${[...balancer.connections.values()].join(" / ")}`,
    );

    expect(exitCode).toBe(0);
    expect(exitMs).toBeLessThan(12_000);
    // Every acknowledged send stored exactly once, and nothing stored that was not acknowledged.
    expect(stored.map((row) => row.clientMessageId).sort()).toEqual([...acknowledged].sort());
    const storedIds = stored.map((row) => row.id).sort();
    for (const { seen } of followers) {
      const created = seen
        .filter((entry) => entry.event.type === "message.created")
        .map((entry) => (entry.event as { message: { id: string } }).message.id);
      expect(created.length).toBe(new Set(created).size);
      expect(created.sort()).toEqual(storedIds);
    }
    // The balancer spreads the followers over both instances; those on the stopped one came back at once.
    expect(resumedAfter.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...resumedAfter)).toBeLessThan(EVENTSOURCE_DEFAULT_RETRY_MS * 0.5);
  }, 120_000);
});
