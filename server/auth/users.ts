/** Accounts: sign-up and credential checks. */
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { AppError, uniqueViolation } from "@/server/errors";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./password";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function signUp(
  db: Db,
  input: { email: string; name: string; password: string },
): Promise<{ userId: string }> {
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    const [row] = await db
      .insert(users)
      .values({ email, name: input.name.trim(), passwordHash })
      .returning({ id: users.id });
    return { userId: (row as { id: string }).id };
  } catch (error) {
    if (uniqueViolation(error) === "users_email_lower_uq") {
      throw new AppError("CONFLICT", "An account with this email already exists; sign in instead.");
    }
    throw error;
  }
}

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
