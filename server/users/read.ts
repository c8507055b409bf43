/** Accounts: who someone is, and whether a password is theirs. */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { users, workspaceMembers } from "@/db/schema";
import { isoTime } from "@/lib/time";
import { burnPasswordCheck, verifyPassword } from "@/server/auth/password";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Where someone's profile picture is served (its version in the URL), or null: initials. */
export const avatarUrlOf = (userId: string, key: string | null): string | null => {
  const version = key
    ?.split("/")
    .pop()
    ?.replace(/\.webp$/, "");
  return key && version ? `/api/avatars/${userId}/${version}` : null;
};

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

export async function getUser(
  db: Db,
  id: string,
): Promise<
  (SessionUser & { status: string; avatarUrl: string | null; emailVerified: boolean }) | null
> {
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      status: users.status,
      avatarKey: users.avatarKey,
      emailVerified: users.emailVerified,
    })
    .from(users)
    .where(eq(users.id, id))
    .limit(1);
  if (!user) return null;
  const { avatarKey, emailVerified, ...rest } = user;
  return {
    ...rest,
    avatarUrl: avatarUrlOf(user.id, avatarKey),
    emailVerified: emailVerified !== null,
  };
}

/** Someone as the members of a workspace they are in see them: name, status, role. Null for non-members. */
export async function memberProfile(db: Db, workspaceId: string, userId: string) {
  const [row] = await db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      status: users.status,
      avatarKey: users.avatarKey,
      role: workspaceMembers.role,
      joinedAt: workspaceMembers.joinedAt,
    })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .limit(1);
  if (!row) return null;
  const { avatarKey, ...rest } = row;
  return { ...rest, avatarUrl: avatarUrlOf(row.id, avatarKey), joinedAt: isoTime(row.joinedAt) };
}

/** The workspaces someone is in (whose members see their name and status). */
export async function workspaceIdsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: workspaceMembers.workspaceId })
    .from(workspaceMembers)
    .where(eq(workspaceMembers.userId, userId));
  return rows.map((row) => row.id);
}
