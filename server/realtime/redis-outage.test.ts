/**
 * Redis only rings the doorbell: while it is away messages are still sent
 * and stored, and once it is back every instance hears every target again —
 * also the targets whose streams started while it was away, and the topics
 * that end a stream when its person loses access. Two production instances
 * on a redis-server of this test's own, killed and started again. Skipped,
 * saying why, where redis-server cannot be started (CI must run it).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { env } from "@/lib/env";
import { sleep, waitFor } from "@/lib/process";
import type { TargetStreamEvent } from "@/server/realtime/events";
import { newUser, newWorkspace } from "@/testing/api";
import { type AppServer, startAppServer } from "@/testing/app-server";
import { testDatabase } from "@/testing/db";
import { RedisProcess, redisUnavailable } from "@/testing/delivery/cluster";
import { dataOf, trpcMutation } from "@/testing/http";
import { apiClient, record, type StreamRecorder } from "@/testing/sse";

const skipReason = await redisUnavailable();
if (skipReason) {
  if (env().CI) throw new Error(`The Redis outage tests need redis-server in CI: ${skipReason}`);
  console.warn(`Redis outage tests SKIPPED: ${skipReason}`);
}

const { db } = testDatabase("pg", 10);
type Stream = StreamRecorder<TargetStreamEvent>;
const bodies = (stream: Stream) =>
  stream.events.flatMap((event) =>
    event.data.type === "message.created" ? [event.data.message.body] : [],
  );
const synced = (stream: Stream) => stream.events.some((event) => event.data.type === "sync");

describe.skipIf(skipReason !== null)(
  `a Redis outage${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let redis: RedisProcess;
    let a: AppServer;
    let b: AppServer;

    beforeAll(async () => {
      redis = await RedisProcess.start();
      const start = () =>
        startAppServer({ databaseUrl: inject("databaseUrl"), env: { REDIS_URL: redis.url } });
      a = await start();
      b = await start();
    }, 600_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await redis?.kill();
    });

    it("keeps sends going, and afterwards every instance hears every target and every removal", async () => {
      const owner = await newUser(db, "Owner");
      const reader = await newUser(db, "Reader");
      const workspace = await newWorkspace(owner, [reader]);
      const channel = await owner.api.channel.create({
        workspaceId: workspace.id,
        name: `outage-${randomUUID().slice(0, 8)}`,
        isPrivate: false,
      });
      await reader.api.channel.join({ channelId: channel.id });
      const ownerToken = (await owner.api.token.create({ name: "outage" })).token;
      const readerToken = (await reader.api.token.create({ name: "outage" })).token;
      const send = async (server: AppServer, body: string) => {
        const began = Date.now();
        const call = await trpcMutation(
          server.url,
          "message.send",
          { channelId: channel.id, body, clientMessageId: randomUUID() },
          { token: ownerToken },
        );
        return { ms: Date.now() - began, message: dataOf(call) };
      };
      const follow = (server: AppServer): Stream =>
        record<TargetStreamEvent>((handlers) =>
          apiClient(server.url, { token: readerToken }).message.onEvent.subscribe(
            { channelId: channel.id },
            handlers,
          ),
        );

      const onA = follow(a);
      await onA.until(synced);

      await redis.kill();
      // B's feed for the channel starts now, while its SUBSCRIBE cannot succeed.
      const onB = follow(b);
      await onB.until(synced);
      // Sends are not held up by the rate limiter's counter being away.
      const during = await send(a, "while Redis is down");
      expect(during.ms).toBeLessThan(3_000);
      await onA.until((s) => bodies(s).includes("while Redis is down"));

      await redis.start();
      // Both instances subscribe the channel again (and B for the first time).
      const topic = `sequent:channel:${channel.id}`;
      await waitFor(
        async () => (await redis.subscribers([topic])).get(topic) === 2,
        10_000,
        "both instances to subscribe the channel again",
      );
      // What was sent while B could not hear it arrives once Redis is back.
      await onB.until((s) => bodies(s).includes("while Redis is down"), 10_000);

      // Rung by Redis, not found by the feed's 10 s poll.
      const after = await send(a, "after Redis is back");
      const heard = Date.now();
      await onB.until((s) => bodies(s).includes("after Redis is back"), 8_000);
      expect(Date.now() - heard).toBeLessThan(5_000);

      // A removal through A ends the stream that started on B during the outage.
      const removal = await trpcMutation(
        a.url,
        "channel.removeMember",
        { channelId: channel.id, userId: reader.id },
        { token: ownerToken },
      );
      dataOf(removal);
      await onB.until((s) => s.completed || s.errors.length > 0, 8_000);
      await sleep(200);
      for (const stream of [onA, onB]) {
        stream.close();
        const created = bodies(stream);
        expect(created).toEqual(["while Redis is down", "after Redis is back"]);
      }
      expect(after.message).toBeTruthy();
    });
  },
);
