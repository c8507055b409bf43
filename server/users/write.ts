/** Accounts: creating them. */
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { hashPassword } from "@/server/auth/password";
import { AppError, uniqueViolation } from "@/server/errors";
import { normalizeEmail } from "./read";

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
