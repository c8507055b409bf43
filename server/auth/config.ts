/**
 * Auth.js (next-auth v5): email + password through the Credentials provider,
 * GitHub OAuth when its keys are set, JWT sessions backed by a server-side
 * row (server/auth/sessions.ts) so that signing out really ends a session.
 * The config is built per request, lazily, so `next build` neither opens the
 * database nor needs the secret, and Secure cookies follow the real scheme
 * (server/http).
 */
import { DrizzleAdapter } from "@auth/drizzle-adapter";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import { z } from "zod";
import { getDb } from "@/db/client";
import { accounts, sessions, users, verificationTokens } from "@/db/schema";
import { env } from "@/lib/env";
import { ChangeSet } from "@/server/changes";
import { rateLimitAddress, servedOverTls } from "@/server/http";
import { currentPeer } from "@/server/http/peer";
import { log } from "@/server/log";
import { publish } from "@/server/realtime/publish";
import { normalizeEmail, verifyCredentials } from "@/server/users/read";
import {
  accountAttemptSucceeded,
  countAccountAttempt,
  countAddressAttempt,
  signInEmail,
} from "./limits";
import { authSecret } from "./secret";
import { checkSessionClaims, noteUnverifiableCookie, sessionFromClaims } from "./session-cookie";
import { endSession, SESSION_MAX_AGE_SECONDS, startSession } from "./sessions";

declare module "next-auth" {
  interface Session {
    /** The server-side session row this cookie names. */
    sessionId?: string;
    /** The session row could not be read (the database is unreachable): neither valid nor refused. */
    unverified?: boolean;
  }
}

class RateLimited extends CredentialsSignin {
  override code = "rate_limited";
}

// Bounded before anything else looks at them; a NUL or any other non-address
// never reaches the database.
const ZPasswordAttemptSchema = z.string().min(1).max(1024);

async function buildConfig(): Promise<NextAuthConfig> {
  const config = env();
  const db = await getDb();
  const providers: NextAuthConfig["providers"] = [
    Credentials({
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(raw) {
        // Every attempt counts against the address, whatever it carries.
        if (await countAddressAttempt(rateLimitAddress(currentPeer()))) throw new RateLimited();
        const email = signInEmail(raw?.email);
        const password = ZPasswordAttemptSchema.safeParse(raw?.password);
        if (!email || !password.success) return null;
        // Counted before the password is checked, so concurrent guesses cannot outrun the count.
        if (await countAccountAttempt(email)) throw new RateLimited();
        const user = await verifyCredentials(db, email, password.data);
        if (!user) return null;
        await accountAttemptSucceeded(email);
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
    useSecureCookies: servedOverTls({ peer: currentPeer() }),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    adapter: DrizzleAdapter(db, {
      usersTable: users,
      accountsTable: accounts,
      sessionsTable: sessions,
      verificationTokensTable: verificationTokens,
    }),
    providers,
    callbacks: {
      async jwt({ token, user }) {
        if (user?.id) {
          token.sub = user.id;
          token.sid = await startSession(db, user.id);
          return token;
        }
        // A cookie is good only while its session row is: signed out, ended
        // everywhere or expired, it is refused (and Auth.js clears it).
        return checkSessionClaims(db, token);
      },
      session: ({ session, token }) => sessionFromClaims(session, token),
    },
    events: {
      async signOut(message) {
        const sid = "token" in message ? message.token?.sid : undefined;
        if (typeof sid !== "string") return;
        const changes = new ChangeSet();
        await endSession(db, changes, sid);
        publish(changes);
      },
    },
    logger: {
      error(error) {
        const type = (error as { type?: string }).type;
        // Wrong passwords and stale forms are normal traffic, not server faults;
        // so are cookies that no longer verify (server/auth/session-cookie.ts).
        if (type === "CredentialsSignin" || type === "MissingCSRF") return;
        if (type === "JWTSessionError") {
          noteUnverifiableCookie();
          return;
        }
        log().error({ err: error, type }, "sign-in machinery failed");
      },
      warn(code) {
        log().warn({ code }, "Auth.js warning");
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(async () => buildConfig());
