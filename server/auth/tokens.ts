/**
 * Personal API tokens: `sqt_` + 32 random bytes. Only the SHA-256 hash is
 * stored; the token itself is returned once, at creation.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apiTokens, users } from "@/db/schema";
import { AppError } from "@/server/errors";
import { isoTime } from "@/server/messages/types";
import { bus, topics } from "@/server/realtime/bus";
import { processSingleton } from "@/server/singleton";
import type { SessionUser } from "./users";

const PREFIX = "sqt_";
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function createToken(db: Db, userId: string, name: string) {
  const token = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiTokens)
    .values({
      userId,
      name: name.trim(),
      tokenHash: hashToken(token),
      prefix: token.slice(0, PREFIX.length + 6),
    })
    .returning({ id: apiTokens.id });
  return { id: (row as { id: string }).id, token };
}

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

export async function revokeToken(
  db: Db,
  userId: string,
  tokenId: string,
): Promise<{ id: string }> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, now())` })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)))
    .returning({ id: apiTokens.id });
  if (!row) throw new AppError("NOT_FOUND", "Token not found.");
  return row;
}

export type TokenLookup = { user: SessionUser; tokenId: string } | { revoked: true } | null;

interface CachedToken {
  tokenId: string;
  user: SessionUser;
  lastUsedAt: number;
  expiresAt: number;
}

// Valid tokens, by hash, for a few seconds: a bot sending hundreds of
// messages a second should not pay a query for each. A revocation clears the
// entry at once on every instance (the bus rings "tokens"); the expiry bounds
// how long a revocation whose ring was lost can go unnoticed.
const TOKEN_CACHE_MS = 10_000;
const tokenCache = processSingleton("auth:token-cache", () => {
  const entries = new Map<string, CachedToken>();
  bus().subscribe<{ tokenId: string }>(topics.tokens, ({ tokenId }) => {
    for (const [hash, entry] of entries) if (entry.tokenId === tokenId) entries.delete(hash);
  });
  return entries;
});

/** The user a bearer token speaks for; `{ revoked }` for revoked tokens, null for unknown ones. */
export async function userForToken(db: Db, token: string): Promise<TokenLookup> {
  if (!token.startsWith(PREFIX)) return null;
  const hash = hashToken(token);
  const now = Date.now();
  const cached = tokenCache.get(hash);
  if (cached && cached.expiresAt > now) return { tokenId: cached.tokenId, user: cached.user };
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
  if (row.revokedAt) {
    tokenCache.delete(hash);
    return { revoked: true };
  }
  const user = { id: row.id, email: row.email, name: row.name };
  // Record use at most once a minute, without making the request wait for it.
  const lastUsedAt = row.lastUsedAt?.getTime() ?? 0;
  if (now - lastUsedAt > 60_000) {
    void db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(and(eq(apiTokens.id, row.tokenId), isNull(apiTokens.revokedAt)))
      .catch(() => {});
  }
  if (tokenCache.size > 10_000) tokenCache.clear();
  tokenCache.set(hash, {
    tokenId: row.tokenId,
    user,
    lastUsedAt: now,
    expiresAt: now + TOKEN_CACHE_MS,
  });
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
