/** Personal API tokens: minting and revoking. */
import { randomBytes } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apiTokens } from "@/db/schema";
import type { ChangeSet } from "@/server/changes";
import { AppError } from "@/server/errors";
import { hashToken, TOKEN_PREFIX } from "./read";

/** A new token: `sqt_` + 32 random bytes. It is returned here only; only its hash is stored. */
export async function createToken(db: Db, userId: string, name: string) {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiTokens)
    .values({
      userId,
      name: name.trim(),
      tokenHash: hashToken(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    })
    .returning({ id: apiTokens.id });
  return { id: (row as { id: string }).id, token };
}

export async function revokeToken(
  db: Db,
  changes: ChangeSet,
  userId: string,
  tokenId: string,
): Promise<{ id: string }> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, now())` })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)))
    .returning({ id: apiTokens.id });
  if (!row) throw new AppError("NOT_FOUND", "Token not found.");
  changes.add({ type: "tokenRevoked", tokenId: row.id });
  return row;
}

/** Revokes every active token of a person; how many. */
export async function revokeAllTokens(db: Db, changes: ChangeSet, userId: string): Promise<number> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  for (const row of rows) changes.add({ type: "tokenRevoked", tokenId: row.id });
  return rows.length;
}
