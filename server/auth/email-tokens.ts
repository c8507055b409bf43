/**
 * Single-use secrets sent by mail: password resets and address
 * confirmations. The secret is 32 random bytes (base64url) shown only in the
 * mail; the database keeps its SHA-256. A token is good once, until it
 * expires, and only while the account still has the address it went to.
 * Using one is one conditional UPDATE, so two concurrent uses cannot both win.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { emailTokens, users } from "@/db/schema";

export type EmailTokenPurpose = "password_reset" | "email_verification";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
export const newToken = () => randomBytes(32).toString("base64url");

/** A fresh token for `purpose`; earlier unused ones of the same purpose stop working. */
export async function issueEmailToken(
  db: Db,
  user: { id: string; email: string },
  purpose: EmailTokenPurpose,
  ttlMinutes: number,
): Promise<string> {
  const token = newToken();
  await db.transaction(async (tx) => {
    await tx
      .update(emailTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(emailTokens.userId, user.id),
          eq(emailTokens.purpose, purpose),
          isNull(emailTokens.usedAt),
        ),
      );
    await tx.insert(emailTokens).values({
      userId: user.id,
      purpose,
      tokenHash: hashToken(token),
      email: user.email.toLowerCase(),
      expiresAt: sql`now() + make_interval(mins => ${ttlMinutes})`,
    });
  });
  return token;
}

const usable = (token: string, purpose: EmailTokenPurpose) =>
  and(
    eq(emailTokens.tokenHash, hashToken(token)),
    eq(emailTokens.purpose, purpose),
    isNull(emailTokens.usedAt),
    gt(emailTokens.expiresAt, sql`now()`),
    sql`${emailTokens.email} = lower(${users.email})`,
  );

/** Whose account a token opens, without using it up (to check a new password first); null if none. */
export async function peekEmailToken(db: Db, token: string, purpose: EmailTokenPurpose) {
  if (token.length > 100) return null;
  const [row] = await db
    .select({ userId: users.id, email: users.email, name: users.name })
    .from(emailTokens)
    .innerJoin(users, eq(users.id, emailTokens.userId))
    .where(usable(token, purpose))
    .limit(1);
  return row ?? null;
}

/** Uses a token up; the account it opens, or null when it was invalid, used or expired. */
export async function consumeEmailToken(db: Db, token: string, purpose: EmailTokenPurpose) {
  if (token.length > 100) return null;
  const [row] = await db
    .update(emailTokens)
    .set({ usedAt: sql`now()` })
    .from(users)
    .where(and(eq(users.id, emailTokens.userId), usable(token, purpose)))
    .returning({ userId: users.id, email: users.email });
  return row ?? null;
}
