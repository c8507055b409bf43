/**
 * Personal API tokens: who a bearer token speaks for, and the owner's list.
 * Only a token's SHA-256 hash is stored.
 */
import { createHash } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { Db } from "@/db/client";
import { apiTokens, users } from "@/db/schema";
import { processSingleton } from "@/lib/singleton";
import { isoTime } from "@/lib/time";
import { topics } from "@/server/realtime/bus";
import { bus } from "@/server/realtime/process-bus";
import type { SessionUser } from "@/server/users/read";

export const TOKEN_PREFIX = "sqt_";
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function listTokens(db: Db, userId: string) {
  const rows = await db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map((row) => ({
    ...row,
    createdAt: isoTime(row.createdAt),
    lastUsedAt: isoTime(row.lastUsedAt),
    revokedAt: isoTime(row.revokedAt),
  }));
}

export type TokenLookup = { user: SessionUser; tokenId: string } | { revoked: true } | null;

interface CachedToken {
  tokenId: string;
  user: SessionUser;
}

// Valid tokens, by hash, for a few seconds: a bot sending hundreds of
// messages a second should not pay a query for each. A revocation clears the
// entry at once on every instance (the bus rings "tokens"); the expiry bounds
// how long a revocation whose ring was lost can go unnoticed.
const TOKEN_CACHE_MS = 10_000;
const tokenCache = processSingleton("auth:token-cache", () => {
  const entries = new LRUCache<string, CachedToken>({ max: 10_000, ttl: TOKEN_CACHE_MS });
  bus().subscribe(topics.tokens, ({ tokenId }) => {
    for (const [hash, entry] of entries.entries())
      if (entry.tokenId === tokenId) entries.delete(hash);
  });
  // Rings may have been lost while the bus was away: ask the database again.
  bus().subscribe(topics.reconnected, () => entries.clear());
  return entries;
});

/** The user a bearer token speaks for; `{ revoked }` for revoked tokens, null for unknown ones. */
export async function userForToken(db: Db, token: string): Promise<TokenLookup> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const hash = hashToken(token);
  const cached = tokenCache.get(hash);
  if (cached) return { tokenId: cached.tokenId, user: cached.user };
  const [row] = await db
    .select({
      tokenId: apiTokens.id,
      revokedAt: apiTokens.revokedAt,
      lastUsedAt: apiTokens.lastUsedAt,
      id: users.id,
      email: users.email,
      name: users.name,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hash))
    .limit(1);
  if (!row) return null;
  if (row.revokedAt) return { revoked: true };
  const user = { id: row.id, email: row.email, name: row.name };
  // Record use at most once a minute, without making the request wait for it.
  const now = Date.now();
  if (now - (row.lastUsedAt?.getTime() ?? 0) > 60_000) {
    void db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(and(eq(apiTokens.id, row.tokenId), isNull(apiTokens.revokedAt)))
      .catch(() => {});
  }
  tokenCache.set(hash, { tokenId: row.tokenId, user });
  return { tokenId: row.tokenId, user };
}

/** Whether a token is still valid (long-lived streams re-check this). */
export async function tokenIsActive(db: Db, tokenId: string): Promise<boolean> {
  const [row] = await db
    .select({ revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.id, tokenId))
    .limit(1);
  return Boolean(row && !row.revokedAt);
}
