/**
 * Presence: a workspace member is online while any of their tabs holds a
 * workspace stream, on any instance. Each process counts its own streams;
 * with Redis, a sorted set per workspace holds `user|instance` entries with
 * an expiry that live processes refresh, so a crashed instance's people go
 * offline within a minute. Changes are rung on the workspace topic.
 */
import { randomUUID } from "node:crypto";
import { processSingleton } from "@/lib/singleton";
import { redis } from "@/server/redis";
import { topics } from "./bus";
import { bus } from "./process-bus";

const ENTRY_TTL_MS = 60_000;
const REFRESH_MS = 20_000;
const key = (workspaceId: string) => `sequent:presence:${workspaceId}`;

class Presence {
  private readonly instance = randomUUID();
  private readonly local = new Map<string, Map<string, number>>();
  private refreshTimer: NodeJS.Timeout | undefined;

  private member(userId: string) {
    return `${userId}|${this.instance}`;
  }

  async enter(workspaceId: string, userId: string) {
    let users = this.local.get(workspaceId);
    if (!users) {
      users = new Map();
      this.local.set(workspaceId, users);
    }
    const count = (users.get(userId) ?? 0) + 1;
    users.set(userId, count);
    if (count > 1) return;
    if (redis()) {
      this.ensureRefresh();
      // Without Redis for a moment, the refresh writes the entry once it is back.
      await redis()
        ?.zadd(key(workspaceId), Date.now() + ENTRY_TTL_MS, this.member(userId))
        .catch(() => {});
    }
    this.announce(workspaceId, userId, true);
  }

  async leave(workspaceId: string, userId: string) {
    const users = this.local.get(workspaceId);
    const count = (users?.get(userId) ?? 0) - 1;
    if (!users || count > 0) {
      users?.set(userId, count);
      return;
    }
    users.delete(userId);
    if (users.size === 0) this.local.delete(workspaceId);
    await redis()
      ?.zrem(key(workspaceId), this.member(userId))
      .catch(() => {});
    this.announce(workspaceId, userId, await this.isOnline(workspaceId, userId));
  }

  private announce(workspaceId: string, userId: string, online: boolean) {
    bus().publish(topics.workspace(workspaceId), { type: "presence", userId, online });
  }

  private async isOnline(workspaceId: string, userId: string) {
    return (await this.online(workspaceId)).includes(userId);
  }

  /** Ids of the workspace's members who are online now. */
  async online(workspaceId: string): Promise<string[]> {
    const here = [...(this.local.get(workspaceId)?.keys() ?? [])];
    const client = redis();
    if (!client) return here;
    try {
      const members = await client.zrangebyscore(key(workspaceId), Date.now(), "+inf");
      return [...new Set([...here, ...members.map((member) => member.split("|")[0] as string)])];
    } catch {
      // Redis is unreachable: who is online here is what can be said.
      return here;
    }
  }

  private ensureRefresh() {
    if (this.refreshTimer) return;
    this.refreshTimer = setInterval(() => {
      const client = redis();
      if (!client) return;
      const expiry = Date.now() + ENTRY_TTL_MS;
      for (const [workspaceId, users] of this.local) {
        const pipeline = client.pipeline();
        for (const userId of users.keys())
          pipeline.zadd(key(workspaceId), expiry, this.member(userId));
        pipeline.zremrangebyscore(key(workspaceId), "-inf", Date.now());
        void pipeline.exec().catch(() => {});
      }
    }, REFRESH_MS);
    this.refreshTimer.unref();
  }
}

export function presence(): Presence {
  return processSingleton("realtime:presence", () => new Presence());
}
