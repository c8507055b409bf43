/**
 * Auth.js (next-auth v5): email + password through the Credentials provider,
 * GitHub OAuth when its keys are set, JWT sessions. The config is built lazily
 * so `next build` neither opens the database nor needs the secret.
 */
import { DrizzleAdapter } from "@auth/drizzle-adapter";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import { z } from "zod";
import { getDb } from "@/db/client";
import { accounts, sessions, users, verificationTokens } from "@/db/schema";
import { env } from "@/lib/env";
import { hit, limitedAddress, peek } from "@/server/ratelimit";
import { normalizeEmail, verifyCredentials } from "@/server/users/read";
import { authSecret } from "./secret";

class RateLimited extends CredentialsSignin {
  override code = "rate_limited";
}

const credentialsSchema = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
});

export const signInLimitKeys = (email: string, headers: Headers) => {
  const address = limitedAddress(headers);
  return {
    account: `signin:account:${normalizeEmail(email)}`,
    address: address ? `signin:ip:${address}` : undefined,
  };
};

/** Whether a sign-in for this email from these headers is currently refused. */
export async function signInRefused(email: string, headers: Headers) {
  const config = env();
  const keys = signInLimitKeys(email, headers);
  const verdicts = await Promise.all([
    peek(keys.account, config.RATE_LIMIT_SIGN_IN),
    keys.address ? peek(keys.address, config.RATE_LIMIT_SIGN_IN_IP) : undefined,
  ]);
  return verdicts.find((verdict) => verdict && !verdict.ok);
}

async function buildConfig(): Promise<NextAuthConfig> {
  const config = env();
  const db = await getDb();
  const providers: NextAuthConfig["providers"] = [
    Credentials({
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { email, password } = parsed.data;
        const keys = signInLimitKeys(email, request.headers);
        if (await signInRefused(email, request.headers)) throw new RateLimited();
        // Every attempt counts against the address; only failures against the account.
        if (keys.address) await hit(keys.address, config.RATE_LIMIT_SIGN_IN_IP);
        const user = await verifyCredentials(db, email, password);
        if (!user) {
          await hit(keys.account, config.RATE_LIMIT_SIGN_IN);
          return null;
        }
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
  ];
  if (config.AUTH_GITHUB_ID && config.AUTH_GITHUB_SECRET) {
    providers.push(
      GitHub({
        clientId: config.AUTH_GITHUB_ID,
        clientSecret: config.AUTH_GITHUB_SECRET,
        profile: (profile) => ({
          id: String(profile.id),
          name: profile.name ?? profile.login,
          email: profile.email ? normalizeEmail(profile.email) : null,
          image: profile.avatar_url,
        }),
      }),
    );
  }
  return {
    secret: authSecret(),
    trustHost: true,
    session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    adapter: DrizzleAdapter(db, {
      usersTable: users,
      accountsTable: accounts,
      sessionsTable: sessions,
      verificationTokensTable: verificationTokens,
    }),
    providers,
    callbacks: {
      jwt({ token, user }) {
        if (user?.id) token.sub = user.id;
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
    logger: {
      // Wrong passwords and stale forms are normal traffic, not server faults.
      error(error) {
        const type = (error as { type?: string }).type;
        if (type !== "CredentialsSignin" && type !== "MissingCSRF") console.error("[auth]", error);
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(async () => buildConfig());
