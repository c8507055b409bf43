/**
 * The process's bus: in-process by default; with REDIS_URL set, every
 * publish also goes through Redis so subscribers on other instances hear it.
 */
import { processSingleton } from "@/lib/singleton";
import { redisEnabled } from "@/server/redis";
import type { Bus } from "./bus";
import { LocalBus } from "./local-bus";
import { RedisBus } from "./redis-bus";

export function bus(): Bus {
  return processSingleton<Bus>("realtime:bus", () =>
    redisEnabled() ? new RedisBus() : new LocalBus(),
  );
}
