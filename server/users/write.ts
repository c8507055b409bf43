/** Accounts: creating them, and changing their credentials. */
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users } from "@/db/schema";
import { env } from "@/lib/env";
import { consumeEmailToken, issueEmailToken, peekEmailToken } from "@/server/auth/email-tokens";
import { accountAttemptSucceeded, countAccountAttempt } from "@/server/auth/limits";
import { hashPassword, verifyPassword } from "@/server/auth/password";
import { endSessions } from "@/server/auth/sessions";
import type { ChangeSet } from "@/server/changes";
import { AppError, uniqueViolation } from "@/server/errors";
import { storage } from "@/server/files/storage";
import { deliver } from "@/server/mail/send";
import { passwordResetMail, verificationMail } from "@/server/mail/templates";
import { personalPasswordProblem } from "@/server/schemas";
import { revokeAllTokens } from "@/server/tokens/write";
import { avatarUrlOf, normalizeEmail, workspaceIdsOf } from "./read";

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

/**
 * Changes a password after checking the current one (counted by the same
 * per-account gate as sign-ins, so a stolen session cannot guess it quickly).
 * Other sessions and API tokens stay valid unless asked: `signOutEverywhere`
 * ends every other session, `revokeTokens` revokes every API token.
 */
export async function changePassword(
  db: Db,
  changes: ChangeSet,
  who: { userId: string; sessionId?: string },
  input: {
    currentPassword: string;
    newPassword: string;
    signOutEverywhere: boolean;
    revokeTokens: boolean;
  },
): Promise<{ endedSessions: number; revokedTokens: number }> {
  const [user] = await db
    .select({ email: users.email, name: users.name, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, who.userId))
    .limit(1);
  if (!user) throw new AppError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
  const email = normalizeEmail(user.email);
  const waiting = await countAccountAttempt(email);
  if (waiting) {
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many password attempts; try again in ${waiting.retryAfterSeconds} s.`,
      waiting.retryAfterSeconds,
    );
  }
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError("FORBIDDEN", "currentPassword: this is not your current password.");
  }
  await accountAttemptSucceeded(email);
  const problem = personalPasswordProblem(input.newPassword, user);
  if (problem) throw new AppError("BAD_REQUEST", `newPassword: ${problem}.`);
  if (input.newPassword === input.currentPassword) {
    throw new AppError("BAD_REQUEST", "newPassword: must differ from your current password.");
  }
  const passwordHash = await hashPassword(input.newPassword);
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, who.userId));
    const endedSessions = input.signOutEverywhere
      ? await endSessions(tx, changes, who.userId, { except: who.sessionId })
      : 0;
    const revokedTokens = input.revokeTokens ? await revokeAllTokens(tx, changes, who.userId) : 0;
    return { endedSessions, revokedTokens };
  });
}

/** Ends every browser session of a person (this one too), and optionally every API token. */
export async function signOutEverywhere(
  db: Db,
  changes: ChangeSet,
  userId: string,
  input: { revokeTokens: boolean },
): Promise<{ endedSessions: number; revokedTokens: number }> {
  return db.transaction(async (tx) => ({
    endedSessions: await endSessions(tx, changes, userId),
    revokedTokens: input.revokeTokens ? await revokeAllTokens(tx, changes, userId) : 0,
  }));
}

/** Changes someone's display name and/or status; everyone in their workspaces sees it live. */
export async function updateProfile(
  db: Db,
  changes: ChangeSet,
  userId: string,
  input: { name?: string; status?: string },
): Promise<{ id: string; name: string; email: string; status: string }> {
  if (input.name === undefined && input.status === undefined)
    throw new AppError("BAD_REQUEST", "name, status: give at least one to change.");
  const [row] = await db
    .update(users)
    .set({
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
    })
    .where(eq(users.id, userId))
    .returning({ id: users.id, name: users.name, email: users.email, status: users.status });
  if (!row) throw new AppError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
  changes.add({ type: "member", userId, workspaceIds: await workspaceIdsOf(db, userId) });
  return row;
}

/**
 * Sets (or, with null, removes) someone's profile picture, a storage key the
 * caller wrote; the previous picture's bytes go. Their workspaces see it live.
 */
export async function setAvatar(db: Db, changes: ChangeSet, userId: string, key: string | null) {
  const [old] = await db.select({ key: users.avatarKey }).from(users).where(eq(users.id, userId));
  if (!old) throw new AppError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
  await db.update(users).set({ avatarKey: key }).where(eq(users.id, userId));
  if (old.key && old.key !== key)
    void storage()
      .delete([old.key])
      .catch(() => {});
  changes.add({ type: "member", userId, workspaceIds: await workspaceIdsOf(db, userId) });
  return { avatarUrl: avatarUrlOf(userId, key) };
}

/** How long a link confirming an address works, in minutes (two days). */
const VERIFICATION_MINUTES = 48 * 60;

/**
 * Mails a single-use link to reset the password of the account with this
 * address, if there is one. The caller answers the same either way; the mail
 * goes in the background, so a slow mail server shows in neither the answer
 * nor its timing.
 */
export async function requestPasswordReset(
  db: Db,
  input: { email: string; origin: string },
): Promise<void> {
  const [user] = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(eq(sql`lower(${users.email})`, normalizeEmail(input.email)))
    .limit(1);
  if (!user) return;
  const minutes = env().PASSWORD_RESET_MINUTES;
  const token = await issueEmailToken(db, user, "password_reset", minutes);
  void deliver(
    passwordResetMail(user.email, `${input.origin}/reset-password?token=${token}`, minutes),
  );
}

const INVALID_LINK =
  "token: this link is not valid any more (used, expired or replaced); ask for a new one.";

/**
 * Sets a new password with a mailed reset link. The link is used up only
 * when the password is acceptable; every session of the account ends (whoever
 * knew the old password is signed out), and the address counts as confirmed:
 * the link came through its mail.
 */
export async function resetPassword(
  db: Db,
  changes: ChangeSet,
  input: { token: string; password: string },
): Promise<{ email: string }> {
  const user = await peekEmailToken(db, input.token, "password_reset");
  if (!user) throw new AppError("BAD_REQUEST", INVALID_LINK);
  const problem = personalPasswordProblem(input.password, user);
  if (problem) throw new AppError("BAD_REQUEST", `password: ${problem}.`);
  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    const used = await consumeEmailToken(tx, input.token, "password_reset");
    if (!used) throw new AppError("BAD_REQUEST", INVALID_LINK);
    await tx
      .update(users)
      .set({ passwordHash, emailVerified: sql`coalesce(${users.emailVerified}, now())` })
      .where(eq(users.id, used.userId));
    await endSessions(tx, changes, used.userId);
  });
  await accountAttemptSucceeded(normalizeEmail(user.email));
  return { email: user.email };
}

/** Mails a link that confirms the account's address (the mail goes in the background). */
export async function sendVerification(
  db: Db,
  user: { id: string; email: string; name: string },
  origin: string,
): Promise<void> {
  const token = await issueEmailToken(db, user, "email_verification", VERIFICATION_MINUTES);
  void deliver(verificationMail(user.email, user.name, `${origin}/verify-email?token=${token}`));
}

/** Confirms an account's address with the mailed link. */
export async function verifyEmail(db: Db, token: string): Promise<{ email: string }> {
  const used = await consumeEmailToken(db, token, "email_verification");
  if (!used) throw new AppError("BAD_REQUEST", INVALID_LINK);
  await db
    .update(users)
    .set({ emailVerified: sql`coalesce(${users.emailVerified}, now())` })
    .where(eq(users.id, used.userId));
  return { email: used.email };
}
