/**
 * Rings lost while one instance's Redis publisher was reconnecting: that
 * instance says so once its publisher is back, and every other instance's
 * listeners look again (feeds poll PostgreSQL). Without it a message sent
 * through an instance that came back after Redis was heard elsewhere only at
 * the feeds' next periodic poll (up to 10 s; 2.9 s in the delivery suite's
 * finding 6). A RedisBus in this process, on a redis-server of its own.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "@/lib/env";
import { waitFor } from "@/lib/process";
import { RedisProcess, redisUnavailable } from "@/testing/delivery/cluster";
import type { Bus } from "./bus";

const skipReason = await redisUnavailable();
if (skipReason) {
  if (env().CI) throw new Error(`The Redis bus tests need redis-server in CI: ${skipReason}`);
  console.warn(`Redis bus tests SKIPPED: ${skipReason}`);
}

const PEER_RECONNECTED = "sequent:bus:peer-reconnected";

describe.skipIf(skipReason !== null)("RedisBus after lost rings", () => {
  let server: RedisProcess;
  let bus: Bus;
  let commands: Redis;
  let observer: Redis;
  let publisher: Redis;
  let reconnects = 0;
  const announcements: unknown[] = [];

  beforeAll(async () => {
    server = await RedisProcess.start();
    // This process's environment was read already: a fresh module graph reads it again.
    vi.stubEnv("REDIS_URL", server.url);
    vi.resetModules();
    const { RedisBus } = await import("./redis-bus");
    const { topics } = await import("./bus");
    const redisModule = await import("@/server/redis");
    bus = new RedisBus();
    commands = redisModule.redis() as Redis;
    bus.subscribe(topics.reconnected, () => reconnects++);
    observer = new Redis(server.url);
    observer.on("message", (_channel, message) => announcements.push(JSON.parse(message)));
    await observer.subscribe(PEER_RECONNECTED);
    publisher = new Redis(server.url);
    // The bus's first connection rings once its subscriptions are in.
    await waitFor(() => reconnects > 0, 5_000, "the first reconnected ring");
  }, 60_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    observer?.disconnect();
    publisher?.disconnect();
    const { closeRedis } = await import("@/server/redis");
    await closeRedis();
    await server?.kill();
  });

  it("says so once its publisher is back, and only then", async () => {
    const { topics } = await import("./bus");
    // Rings published while the connection is up are not lost: nothing to say.
    bus.publish(topics.tokens, { tokenId: "kept" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(announcements).toEqual([]);

    commands.disconnect(true);
    bus.publish(topics.tokens, { tokenId: "lost" });
    await waitFor(() => announcements.length > 0, 5_000, "the announcement");
    expect(announcements).toHaveLength(1);
    expect(announcements[0]).toMatchObject({ p: null });
  });

  it("makes this instance's listeners look again when another instance says so", async () => {
    const before = reconnects;
    await publisher.publish(PEER_RECONNECTED, JSON.stringify({ o: "another-instance", p: null }));
    await waitFor(() => reconnects > before, 5_000, "the reconnected ring");
    expect(reconnects).toBe(before + 1);
  });
});
