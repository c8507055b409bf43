/**
 * Redis connections, when REDIS_URL is set: one for commands (rate limits,
 * presence) and one per subscriber role for pub/sub, which takes a
 * connection over. Unset, callers fall back to in-process state.
 */
import { Redis } from "ioredis";
import { env } from "@/lib/env";
import { processSingleton } from "@/lib/singleton";

/** Every connection this process opened, so shutdown can close them all. */
const opened = processSingleton("redis:opened", () => new Set<Redis>());

function open(role: string): Redis {
  const url = env().REDIS_URL as string;
  const client = new Redis(url, {
    connectionName: `sequent-${role}`,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
    // While Redis is down, commands fail at once instead of queueing for
    // seconds: callers fall back to this instance's own state (rate limits,
    // presence) or retry (subscriptions), and sends do not stall behind it.
    enableOfflineQueue: role === "subscriber",
    commandTimeout: 2_000,
    // Back within half a second of Redis (ioredis's default waits up to 2 s
    // between attempts), so the instances' connections return close together.
    retryStrategy: (attempts) => Math.min(attempts * 50, 500),
  });
  client.on("error", (error) => console.error(`redis (${role}):`, error.message));
  opened.add(client);
  return client;
}

export function redisEnabled(): boolean {
  return Boolean(env().REDIS_URL);
}

/** The command connection, or undefined when REDIS_URL is unset. */
export function redis(): Redis | undefined {
  if (!redisEnabled()) return undefined;
  return processSingleton("redis:commands", () => open("commands"));
}

/** A new dedicated connection (pub/sub needs its own). */
export function newRedisConnection(role: string): Redis {
  return open(role);
}

/** Closes every connection (shutdown): sends QUIT, or drops a connection that is down. */
export async function closeRedis(): Promise<void> {
  const clients = [...opened];
  opened.clear();
  await Promise.all(
    clients.map((client) =>
      client.status === "ready"
        ? client.quit().catch(() => client.disconnect())
        : client.disconnect(),
    ),
  );
}
