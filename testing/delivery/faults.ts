/**
 * The faults the delivery suite injects, each a plain async function over the
 * cluster and the subscribers that returns when the fault is over (the killed
 * instance answering again, Redis back, the storm ended), saying what it did.
 */
import { sleep } from "@/lib/process";
import type { Cluster } from "./cluster";
import type { Follower } from "./follower";

export type FaultStep =
  /** SIGKILL one instance (a crash), start it again after `downMs`. */
  | { kind: "sigkill-one"; instance: 0 | 1; downMs: number }
  /** SIGKILL both instances at once, start them again after `downMs`. */
  | { kind: "sigkill-both"; downMs: number }
  /** SIGTERM one instance (a deploy) and wait for it to exit, start it again after `downMs`. */
  | { kind: "sigterm-one"; instance: 0 | 1; downMs: number }
  /** SIGKILL Redis, start it again (empty) after `downMs`. */
  | { kind: "redis-restart"; downMs: number }
  /**
   * Redis SIGKILL; while it is down, one instance SIGKILLed and started again
   * (its subscribers come back to it); Redis started again `downMs` after that.
   */
  | { kind: "redis-outage-restart"; instance: 0 | 1; downMs: number }
  /** pg_terminate_backend on one random app connection every `everyMs`, for `durationMs`. */
  | { kind: "db-terminate"; durationMs: number; everyMs: number }
  /** pg_terminate_backend on every app connection every `everyMs`, for `durationMs`. */
  | { kind: "db-storm"; durationMs: number; everyMs: number }
  /** Cut `share` of all streams at once, twice; late subscribers join from 0 and are cut during their replay. */
  | { kind: "stream-aborts"; share: number; lateJoiners: number };

export interface FaultContext {
  cluster: Cluster;
  followers: () => Follower[];
  /** Starts up to `count` late subscribers' streams (from position 0); returns them. */
  addLateFollowers: (count: number) => Follower[];
}

export function describeFault(step: FaultStep): string {
  switch (step.kind) {
    case "sigkill-one":
      return `SIGKILL instance ${"ab"[step.instance]}, down ${step.downMs} ms`;
    case "sigkill-both":
      return `SIGKILL both instances, down ${step.downMs} ms`;
    case "sigterm-one":
      return `SIGTERM instance ${"ab"[step.instance]} (graceful), down ${step.downMs} ms`;
    case "redis-restart":
      return `Redis SIGKILL, restarted empty after ${step.downMs} ms`;
    case "redis-outage-restart":
      return `Redis SIGKILL, instance ${"ab"[step.instance]} SIGKILLed and restarted meanwhile, Redis back ${step.downMs} ms later`;
    case "db-terminate":
      return `one app DB connection terminated every ${step.everyMs} ms for ${step.durationMs} ms`;
    case "db-storm":
      return `all app DB connections terminated every ${step.everyMs} ms for ${step.durationMs} ms`;
    case "stream-aborts":
      return `${Math.round(step.share * 100)}% of streams cut, twice; ${step.lateJoiners} late subscriber(s) cut during replay`;
  }
}

const shuffled = <T>(items: T[]) =>
  items
    .map((item) => ({ item, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);

/** How soon each follower synced again after `since` (on the other instance, the first one being down). */
async function resumedSince(followers: Follower[], since: number, timeoutMs: number) {
  const syncAfter = (follower: Follower) =>
    follower.entries.find((entry) => entry.kind === "sync" && entry.at > since)?.at;
  const deadline = Date.now() + timeoutMs;
  while (followers.some((follower) => syncAfter(follower) === undefined) && Date.now() < deadline)
    await sleep(20);
  const ms = followers
    .map((follower) => (syncAfter(follower) ?? Number.NaN) - since)
    .sort((a, b) => a - b);
  const late = ms.filter(Number.isNaN).length;
  if (ms.length === 0) return "it held no streams";
  return `the ${ms.length} streams it held resumed elsewhere ${ms.filter((x) => !Number.isNaN(x)).join(", ")} ms after the SIGTERM${late ? ` (${late} not within ${timeoutMs} ms)` : ""}`;
}

/** Injects the fault and returns once it is over, with what happened. */
export async function inject(step: FaultStep, context: FaultContext): Promise<string> {
  const { cluster } = context;
  switch (step.kind) {
    case "sigkill-one": {
      const instance = cluster.instances[step.instance];
      await instance.kill();
      await sleep(step.downMs);
      const { spawnedAt, readyAt } = await instance.start();
      return `restart took ${readyAt - spawnedAt} ms`;
    }
    case "sigkill-both": {
      await Promise.all(cluster.instances.map((instance) => instance.kill()));
      await sleep(step.downMs);
      const starts = await Promise.all(cluster.instances.map((instance) => instance.start()));
      return `restarts took ${starts.map(({ spawnedAt, readyAt }) => `${readyAt - spawnedAt} ms`).join(" and ")}`;
    }
    case "sigterm-one": {
      const instance = cluster.instances[step.instance];
      const held = context.followers().filter((follower) => follower.connectedTo === instance.url);
      const stoppedAt = Date.now();
      const stopped = await instance.stop();
      const resumed = await resumedSince(held, stoppedAt, 10_000);
      await sleep(step.downMs);
      const { spawnedAt, readyAt } = await instance.start();
      return `exited ${stopped.ms} ms after SIGTERM${stopped.killed ? " (had to be killed)" : ""}; ${resumed}; restart took ${readyAt - spawnedAt} ms`;
    }
    case "redis-restart": {
      await cluster.redis.kill();
      await sleep(step.downMs);
      const began = Date.now();
      await cluster.redis.start();
      return `restart took ${Date.now() - began} ms`;
    }
    case "redis-outage-restart": {
      const instance = cluster.instances[step.instance];
      const redisDownAt = Date.now();
      await cluster.redis.kill();
      await sleep(300);
      await instance.kill();
      const { spawnedAt, readyAt } = await instance.start();
      await sleep(step.downMs);
      await cluster.redis.start();
      return `instance restart took ${readyAt - spawnedAt} ms; Redis was down ${Date.now() - redisDownAt} ms`;
    }
    case "db-terminate":
    case "db-storm": {
      const until = Date.now() + step.durationMs;
      let terminated = 0;
      let rounds = 0;
      while (Date.now() < until) {
        terminated += await cluster.terminateAppConnections(
          step.kind === "db-terminate" ? 1 : undefined,
        );
        rounds++;
        await sleep(step.everyMs);
      }
      return `${terminated} backends terminated in ${rounds} rounds`;
    }
    case "stream-aborts": {
      let cut = 0;
      for (let round = 0; round < 2; round++) {
        const all = context.followers();
        for (const follower of shuffled(all).slice(0, Math.ceil(all.length * step.share))) {
          follower.abort();
          cut++;
        }
        await sleep(300);
      }
      const late = context.addLateFollowers(step.lateJoiners);
      for (let round = 0; round < 3 && late.length > 0; round++) {
        await sleep(100 + Math.random() * 300);
        for (const follower of late) follower.abort("fault: cut during replay");
      }
      return `${cut} streams cut; ${late.length} late streams from position 0 cut 3 times`;
    }
  }
}
