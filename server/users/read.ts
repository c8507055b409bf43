/** Accounts: who someone is, and whether a password is theirs. */
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { burnPasswordCheck, verifyPassword } from "@/server/auth/password";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The user for an email and password, or null. Takes about as long either way. */
export async function verifyCredentials(
  db: Db,
  email: string,
  password: string,
): Promise<SessionUser | null> {
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      passwordHash: users.passwordHash,
    })
    .from(users)
    .where(eq(sql`lower(${users.email})`, normalizeEmail(email)))
    .limit(1);
  if (!user?.passwordHash) {
    await burnPasswordCheck(password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  return { id: user.id, email: user.email, name: user.name };
}

export async function getUser(db: Db, id: string): Promise<SessionUser | null> {
  const [user] = await db
    .select({ id: users.id, email: users.email, name: users.name })
    .from(users)
    .where(eq(users.id, id))
    .limit(1);
  return user ?? null;
}
