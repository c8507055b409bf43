/**
 * Fixed-window rate limits, counted in-process by default and in Redis when
 * REDIS_URL is set (so every instance shares one count).
 */
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
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

interface Window {
  count: number;
  resetAt: number;
}

const memory = processSingleton("ratelimit:memory", () => {
  const windows = new Map<string, Window>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
  }, 60_000);
  sweep.unref();
  return windows;
});

async function count(key: string, limit: Limit, increment: number): Promise<Verdict> {
  const client = redis();
  if (client) {
    const redisKey = `sequent:rl:${key}`;
    const replies = await client
      .multi()
      .incrby(redisKey, increment)
      .pexpire(redisKey, limit.windowMs, "NX")
      .pttl(redisKey)
      .exec();
    const total = Number(replies?.[0]?.[1] ?? 0);
    const ttl = Math.max(0, Number(replies?.[2]?.[1] ?? limit.windowMs));
    return { ok: total <= limit.count, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
  }
  const now = Date.now();
  let window = memory.get(key);
  if (!window || window.resetAt <= now) {
    window = { count: 0, resetAt: now + limit.windowMs };
    memory.set(key, window);
  }
  window.count += increment;
  return {
    ok: window.count <= limit.count,
    retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)),
  };
}

/** Counts one event against `key`; says whether it was within the limit. */
export function hit(key: string, limit: Limit): Promise<Verdict> {
  if (env().RATE_LIMITS === "off") return Promise.resolve({ ok: true, retryAfterSeconds: 0 });
  return count(key, limit, 1);
}

/** Whether one more event for `key` would be within its limit, without counting anything. */
export function peek(key: string, limit: Limit): Promise<Verdict> {
  if (env().RATE_LIMITS === "off") return Promise.resolve({ ok: true, retryAfterSeconds: 0 });
  return count(key, { ...limit, count: limit.count - 1 }, 0);
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

/** The client's address as the proxy in front of us reports it; undefined when unknown. */
function clientAddress(headers: Headers): string | undefined {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || headers.get("x-real-ip") || undefined;
}

/**
 * Per-address limits skip loopback clients: there every client looks alike
 * (local development, tests, a same-host proxy that does not forward the
 * address), so one bucket would lock everybody out together.
 */
export function limitedAddress(headers: Headers): string | undefined {
  const address = clientAddress(headers);
  if (!address) return undefined;
  if (address === "::1" || address.startsWith("127.") || address === "::ffff:127.0.0.1")
    return undefined;
  return address;
}
