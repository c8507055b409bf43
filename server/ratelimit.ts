/**
 * Rate limits, counted in-process by default and in Redis when REDIS_URL is
 * set (so every instance shares one count). Two kinds:
 *
 * - Fixed windows (`hit`, `enforce`): at most N events per key per window.
 * - Attempt gates (`beginAttempt`): the first N attempts per key go through
 *   at once; after that each attempt must wait a delay that doubles up to a
 *   cap. An attempt is counted, atomically, before the work it guards (a
 *   password check), so concurrent attempts cannot slip past the count; a
 *   success clears the key. Nobody can lock a key for longer than the cap.
 *
 * Rules that keep the limiter's own memory bounded: keys are built only from
 * validated, bounded values (an email that passed validation, an IP address,
 * an id); only a check that counts creates an entry (`peek` and
 * `attemptDelay` never do); in-process state is an LRU of at most
 * MEMORY_ENTRIES entries that expire with their window.
 */

import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";
import { AppError } from "./errors";
import { redis } from "./redis";

export interface Limit {
  count: number;
  windowMs: number;
}

export interface Verdict {
  ok: boolean;
  /** Seconds until the window resets (or the delay ends). */
  retryAfterSeconds: number;
}

const MEMORY_ENTRIES = 100_000;

interface Window {
  count: number;
  resetAt: number;
}

interface Gate {
  attempts: number;
  /** Epoch ms before which no attempt may start. */
  nextAt: number;
}

const memory = processSingleton(
  "ratelimit:memory",
  () => new LRUCache<string, Window | Gate>({ max: MEMORY_ENTRIES, ttlAutopurge: false }),
);

/** Entries held in process (for diagnostics and tests). */
export const memoryEntries = () => memory.size;

const off = () => env().RATE_LIMITS === "off";
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const redisKey = (key: string) => `sequent:rl:${key}`;

/**
 * Runs the Redis form of a limit when Redis is reachable, else the
 * in-process one: while Redis is down, limits still hold per instance and
 * nothing waits on a dead connection.
 */
async function shared<T>(inRedis: (client: Redis) => Promise<T>, here: () => T): Promise<T> {
  const client = redis();
  if (client?.status === "ready") {
    try {
      return await inRedis(client);
    } catch {
      // Fall through to this instance's count.
    }
  }
  return here();
}

function count(key: string, limit: Limit): Promise<Verdict> {
  return shared(
    async (client) => {
      const replies = await client
        .multi()
        .incr(redisKey(key))
        .pexpire(redisKey(key), limit.windowMs, "NX")
        .pttl(redisKey(key))
        .exec();
      const total = Number(replies?.[0]?.[1] ?? 0);
      const ttl = Math.max(0, Number(replies?.[2]?.[1] ?? limit.windowMs));
      return { ok: total <= limit.count, retryAfterSeconds: seconds(ttl) };
    },
    () => {
      const now = Date.now();
      let window = memory.get(key) as Window | undefined;
      if (!window || window.resetAt <= now) {
        window = { count: 0, resetAt: now + limit.windowMs };
        memory.set(key, window, { ttl: limit.windowMs });
      }
      window.count += 1;
      return { ok: window.count <= limit.count, retryAfterSeconds: seconds(window.resetAt - now) };
    },
  );
}

/** Counts one event against `key`; says whether it was within the limit. */
export function hit(key: string, limit: Limit): Promise<Verdict> {
  if (off()) return Promise.resolve({ ok: true, retryAfterSeconds: 0 });
  return count(key, limit);
}

/** Whether one more event for `key` would be within its limit. Reads only; creates nothing. */
export async function peek(key: string, limit: Limit): Promise<Verdict> {
  if (off()) return { ok: true, retryAfterSeconds: 0 };
  return shared(
    async (client) => {
      const [used, ttl] = await Promise.all([
        client.get(redisKey(key)),
        client.pttl(redisKey(key)),
      ]);
      return { ok: Number(used ?? 0) < limit.count, retryAfterSeconds: seconds(Math.max(0, ttl)) };
    },
    () => {
      const now = Date.now();
      const window = memory.peek(key) as Window | undefined;
      if (!window || window.resetAt <= now) return { ok: true, retryAfterSeconds: 0 };
      return { ok: window.count < limit.count, retryAfterSeconds: seconds(window.resetAt - now) };
    },
  );
}

function tooManyRequests(what: string, verdict: Verdict): AppError {
  return new AppError(
    "TOO_MANY_REQUESTS",
    `Too many ${what}; try again in ${verdict.retryAfterSeconds} s.`,
    verdict.retryAfterSeconds,
  );
}

/** Counts one event and throws TOO_MANY_REQUESTS when over the limit. */
export async function enforce(key: string, limit: Limit, what: string): Promise<void> {
  const verdict = await hit(key, limit);
  if (!verdict.ok) throw tooManyRequests(what, verdict);
}

export interface GatePolicy {
  /** Attempts that go through without waiting. */
  free: number;
  /** How long a key's attempts are remembered after the last one. */
  memoryMs: number;
  /** The longest delay between attempts. */
  maxDelayMs: number;
}

/** The delay after the `attempts`-th attempt: none before `free`, then 1 s, 2 s, 4 s … up to the cap. */
export function gateDelayMs(attempts: number, policy: GatePolicy): number {
  if (attempts < policy.free) return 0;
  return Math.min(1000 * 2 ** Math.min(attempts - policy.free, 30), policy.maxDelayMs);
}

// KEYS[1]: the gate; ARGV: free, memoryMs, maxDelayMs. Returns { allowed, waitMs }.
const BEGIN_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'a', 'n')
local attempts = tonumber(state[1]) or 0
local nextAt = tonumber(state[2]) or 0
if now < nextAt then return {0, nextAt - now} end
attempts = attempts + 1
local free = tonumber(ARGV[1])
local delay = 0
if attempts >= free then
  delay = math.min(1000 * 2 ^ math.min(attempts - free, 30), tonumber(ARGV[3]))
end
redis.call('HSET', KEYS[1], 'a', attempts, 'n', now + delay)
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[2]), delay))
return {1, 0}`;

/**
 * Counts an attempt before the guarded work runs: refused while the key's
 * delay runs, otherwise counted (and the next delay set) in one atomic step.
 */
export async function beginAttempt(key: string, policy: GatePolicy): Promise<Verdict> {
  if (off()) return { ok: true, retryAfterSeconds: 0 };
  return shared(
    async (client) => {
      const [allowed, waitMs] = (await client.eval(
        BEGIN_SCRIPT,
        1,
        redisKey(key),
        policy.free,
        policy.memoryMs,
        policy.maxDelayMs,
      )) as [number, number];
      return { ok: allowed === 1, retryAfterSeconds: allowed === 1 ? 0 : seconds(waitMs) };
    },
    () => {
      const now = Date.now();
      const gate = (memory.get(key) as Gate | undefined) ?? { attempts: 0, nextAt: 0 };
      if (now < gate.nextAt) return { ok: false, retryAfterSeconds: seconds(gate.nextAt - now) };
      gate.attempts += 1;
      const delay = gateDelayMs(gate.attempts, policy);
      gate.nextAt = now + delay;
      memory.set(key, gate, { ttl: Math.max(policy.memoryMs, delay) });
      return { ok: true, retryAfterSeconds: 0 };
    },
  );
}

/** How long before an attempt on `key` may start (0: now). Reads only; creates nothing. */
export async function attemptDelay(key: string): Promise<Verdict> {
  if (off()) return { ok: true, retryAfterSeconds: 0 };
  const verdict = (wait: number): Verdict =>
    wait > 0 ? { ok: false, retryAfterSeconds: seconds(wait) } : { ok: true, retryAfterSeconds: 0 };
  return shared(
    async (client) => {
      const [nextAt, time] = await Promise.all([client.hget(redisKey(key), "n"), client.time()]);
      const redisNow = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
      return verdict(Number(nextAt ?? 0) - redisNow);
    },
    () => verdict(((memory.peek(key) as Gate | undefined)?.nextAt ?? 0) - Date.now()),
  );
}

/** The guarded work succeeded: the key starts afresh. */
export async function clearAttempts(key: string): Promise<void> {
  memory.delete(key);
  await shared(
    async (client) => {
      await client.del(redisKey(key));
    },
    () => undefined,
  );
}
