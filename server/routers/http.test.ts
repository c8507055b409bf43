/**
 * The API over real HTTP against the production build: sign-up and sign-in,
 * cookies and API tokens, CSRF and media-type refusals, security headers,
 * and rate limits that trip and reset.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sleep } from "@/lib/process";
import { type AppServer, entries, startAppServer } from "@/testing/app-server";
import {
  attemptSignIn,
  type CallOptions,
  dataOf,
  type HttpResult,
  type Person,
  signIn,
  signUp,
  trpcMutation,
  trpcQuery,
} from "@/testing/http";

const STARTUP_MS = 300_000;

let people = 0;
function person(name = `Person ${++people}`): Person {
  const local = name.toLowerCase().replace(/[^a-z0-9]+/g, ".");
  return {
    email: `${local}.${randomUUID().slice(0, 8)}@example.test`,
    name,
    password: "correct horse battery staple",
  };
}

/** Signs a new person up and in; returns their id and session cookie. */
async function signedIn(baseUrl: string, name?: string) {
  const who = person(name);
  const id = await signUp(baseUrl, who);
  return { ...who, id, cookie: await signIn(baseUrl, who.email, who.password) };
}

type Workspace = { id: string; slug: string; generalChannelId: string };

const workspaceCount = async (baseUrl: string, auth: CallOptions) =>
  dataOf(await trpcQuery<unknown[]>(baseUrl, "workspace.list", undefined, auth)).length;

/** Seconds from a Retry-After header, which must be a small positive integer here. */
function retryAfter(headers: Headers): number {
  const value = headers.get("retry-after");
  expect(value).toMatch(/^\d+$/);
  const seconds = Number(value);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(2);
  return seconds;
}

/**
 * Waits out a rate-limit window: sleeps the Retry-After the server gave (the
 * window is the behaviour under test), then retries until `attempt` passes.
 */
async function afterWindow<T>(
  seconds: number,
  attempt: () => Promise<T>,
  passed: (value: T) => boolean,
): Promise<T> {
  await sleep(seconds * 1000);
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = await attempt();
    if (passed(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe.each(entries)("%s entry", (entry) => {
  describe("the API over HTTP", () => {
    let server: AppServer;
    let url: string;

    beforeAll(async () => {
      server = await startAppServer({
        entry,
        databaseUrl: inject("databaseUrl"),
      });
      url = server.url;
    }, STARTUP_MS);
    afterAll(() => server?.stop());

    it("signs up, signs in with a cookie and calls procedures", async () => {
      const ada = person("Ada");
      const userId = await signUp(url, ada);

      const wrong = await attemptSignIn(url, ada.email, "not the password");
      expect(wrong.cookie).toBeUndefined();
      expect(wrong.location).toContain("error=");

      const cookie = await signIn(url, ada.email.toUpperCase(), ada.password);
      const me = await trpcQuery(url, "user.me", undefined, { cookie });
      expect(me.status).toBe(200);
      expect(me.body.result?.data).toEqual({
        id: userId,
        email: ada.email,
        name: "Ada",
        status: "",
        avatarUrl: null,
        emailVerified: false,
        emailNotifications: true,
      });

      expect(await workspaceCount(url, { cookie })).toBe(0);
      const created = await trpcMutation<Workspace>(
        url,
        "workspace.create",
        { name: "HTTP" },
        { cookie },
      );
      expect(created.status).toBe(200);
      const workspace = dataOf(created);
      const list = dataOf(await trpcQuery(url, "workspace.list", undefined, { cookie }));
      expect(list).toEqual([
        { id: workspace.id, name: "HTTP", slug: workspace.slug, role: "owner" },
      ]);

      const anonymous = await trpcQuery(url, "user.me");
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error?.data.code).toBe("UNAUTHORIZED");
    });

    it("authenticates Bearer API tokens and refuses revoked and garbage ones", async () => {
      const ada = await signedIn(url, "Ada");
      const { id: tokenId, token } = dataOf(
        await trpcMutation<{ id: string; token: string }>(
          url,
          "token.create",
          { name: "bot" },
          { cookie: ada.cookie },
        ),
      );

      const me = await trpcQuery(url, "user.me", undefined, { token });
      expect(me.status).toBe(200);
      expect(me.body.result?.data).toMatchObject({ id: ada.id, email: ada.email });
      const workspace = dataOf(
        await trpcMutation<Workspace>(url, "workspace.create", { name: "Bots" }, { token }),
      );
      const list = dataOf(
        await trpcQuery<{ id: string }[]>(url, "workspace.list", undefined, { token }),
      );
      expect(list.map((w) => w.id)).toEqual([workspace.id]);

      expect(
        (await trpcMutation(url, "token.revoke", { tokenId }, { cookie: ada.cookie })).status,
      ).toBe(200);
      const revoked = await trpcQuery(url, "user.me", undefined, { token });
      expect(revoked.status).toBe(401);
      expect(revoked.body.error?.data.code).toBe("UNAUTHORIZED");
      expect(revoked.body.error?.message).toContain("revoked");
      const revokedWrite = await trpcMutation(url, "workspace.create", { name: "No" }, { token });
      expect(revokedWrite.status).toBe(401);

      for (const authorization of [`Bearer ${randomUUID()}`, "Bearer sq_garbage", "Basic abc"]) {
        const refused = await trpcQuery(url, "user.me", undefined, { headers: { authorization } });
        expect(refused.status, authorization).toBe(401);
        expect(refused.body.error?.data.code, authorization).toBe("UNAUTHORIZED");
      }
      // A bad token is refused even when a valid session cookie comes along.
      const mixed = await trpcQuery(url, "user.me", undefined, {
        cookie: ada.cookie,
        token: "sq_garbage",
      });
      expect(mixed.status).toBe(401);
      expect(await workspaceCount(url, { cookie: ada.cookie })).toBe(1);
    });

    describe("cross-site requests", () => {
      const evil = "https://evil.example";

      it("refuses a cross-site cookie mutation with 403 and changes nothing", async () => {
        const ada = await signedIn(url, "Ada");
        const auth = { cookie: ada.cookie };
        const crossSite: HeadersInit[] = [
          { origin: evil },
          { origin: "null" },
          { "sec-fetch-site": "cross-site" },
          { origin: evil, "sec-fetch-site": "cross-site" },
        ];
        for (const headers of crossSite) {
          const refused = await trpcMutation(
            url,
            "workspace.create",
            { name: "CSRF" },
            {
              ...auth,
              headers,
            },
          );
          expect(refused.status, JSON.stringify(headers)).toBe(403);
          expect(refused.body.error?.data.code).toBe("FORBIDDEN");
        }
        const token = await trpcMutation(
          url,
          "token.create",
          { name: "stolen" },
          {
            ...auth,
            headers: { origin: evil },
          },
        );
        expect(token.status).toBe(403);

        expect(await workspaceCount(url, auth)).toBe(0);
        expect(dataOf(await trpcQuery<unknown[]>(url, "token.list", undefined, auth))).toEqual([]);
      });

      it("refuses text/plain, multipart and form-encoded POSTs with 415 and changes nothing", async () => {
        const ada = await signedIn(url, "Ada");
        const endpoint = new URL("/api/trpc/workspace.create", url);
        const input = JSON.stringify({ name: "Forged" });
        const multipart = new FormData();
        multipart.set("name", "Forged");
        const bodies: [string, BodyInit, Record<string, string>][] = [
          ["text/plain", input, { "content-type": "text/plain;charset=UTF-8" }],
          ["multipart/form-data", multipart, {}],
          [
            "application/x-www-form-urlencoded",
            new URLSearchParams({ name: "Forged" }),
            { "content-type": "application/x-www-form-urlencoded" },
          ],
          ["no content type", new Blob([input]), {}],
        ];
        for (const [label, body, headers] of bodies) {
          for (const origin of [evil, undefined]) {
            const response = await fetch(endpoint, {
              method: "POST",
              headers: { cookie: ada.cookie, ...headers, ...(origin ? { origin } : {}) },
              body,
              redirect: "manual",
            });
            const what = `${label} from ${origin ?? "no origin"}`;
            expect(response.status, what).toBe(415);
            const json = (await response.json()) as { error?: { data?: { code?: string } } };
            expect(json.error?.data?.code, what).toBe("UNSUPPORTED_MEDIA_TYPE");
          }
        }
        // A mutation is never run by a GET, which a cross-site link or image could send.
        const get = await trpcQuery(
          url,
          "workspace.create",
          { name: "Forged" },
          {
            cookie: ada.cookie,
            headers: { origin: evil },
          },
        );
        expect(get.status).toBe(405);

        expect(await workspaceCount(url, { cookie: ada.cookie })).toBe(0);
      });

      it("runs same-origin cookie mutations and Bearer mutations from any origin", async () => {
        const ada = await signedIn(url, "Ada");
        const sameOrigin = await trpcMutation<Workspace>(
          url,
          "workspace.create",
          { name: "Mine" },
          {
            cookie: ada.cookie,
            headers: { origin: url, "sec-fetch-site": "same-origin" },
          },
        );
        expect(sameOrigin.status).toBe(200);

        const { token } = dataOf(
          await trpcMutation<{ token: string }>(
            url,
            "token.create",
            { name: "ci" },
            {
              cookie: ada.cookie,
              headers: { origin: url },
            },
          ),
        );
        const fromElsewhere = await trpcMutation<Workspace>(
          url,
          "workspace.create",
          { name: "Bot" },
          {
            token,
            headers: { origin: evil, "sec-fetch-site": "cross-site" },
          },
        );
        expect(fromElsewhere.status).toBe(200);
        expect(await workspaceCount(url, { cookie: ada.cookie })).toBe(2);
      });
    });

    describe("security headers", () => {
      function expectSecurityHeaders(headers: Headers, what: string) {
        const csp = headers.get("content-security-policy");
        expect(csp, `${what}: Content-Security-Policy`).toBeTruthy();
        expect(csp, what).not.toContain("unsafe-eval");
        expect(csp, what).toMatch(/(^|;)\s*frame-ancestors 'none'\s*(;|$)/);
        expect(headers.get("x-content-type-options"), what).toBe("nosniff");
        expect(
          ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"],
          `${what}: Referrer-Policy`,
        ).toContain(headers.get("referrer-policy"));
      }

      it("are on API responses, successful or refused", async () => {
        const ok = await fetch(new URL("/api/health", url));
        expect(ok.status).toBe(200);
        expectSecurityHeaders(ok.headers, "GET /api/health");
        const refused = await trpcQuery(url, "user.me");
        expect(refused.status).toBe(401);
        expectSecurityHeaders(refused.headers, "GET /api/trpc/user.me");
        const forbidden = await trpcMutation(
          url,
          "workspace.create",
          { name: "x" },
          {
            headers: { origin: "https://evil.example" },
          },
        );
        expect(forbidden.status).toBe(403);
        expectSecurityHeaders(forbidden.headers, "cross-site POST");
      });

      it("are on pages", async () => {
        const page = await fetch(new URL("/sign-in", url), { redirect: "manual" });
        expect(page.status).toBe(200);
        expectSecurityHeaders(page.headers, "GET /sign-in");
      });
    });
  });

  describe("rate limits over HTTP", () => {
    let server: AppServer;
    let url: string;

    beforeAll(async () => {
      server = await startAppServer({
        entry,
        databaseUrl: inject("databaseUrl"),
        env: {
          RATE_LIMIT_SIGN_IN: "3/2",
          SIGN_IN_MAX_DELAY_SECONDS: "2",
          RATE_LIMIT_SIGN_IN_IP: "5/2",
          RATE_LIMIT_SIGN_UP_IP: "2/2",
          RATE_LIMIT_SEND: "5/2",
          RATE_LIMITS: "on",
          // The test client plays the proxy in front of the app: its X-Forwarded-For is believed.
          TRUST_PROXY: "loopback",
        },
      });
      url = server.url;
    }, STARTUP_MS);
    afterAll(() => server?.stop());

    const remote = (n: number) => ({ "x-forwarded-for": `203.0.113.${n}` });

    it("delays an account after 3 sign-in attempts, then lets it in after the delay", async () => {
      const ada = person("Ada");
      const bob = person("Bob");
      await signUp(url, ada);
      await signUp(url, bob);

      for (let i = 1; i <= 3; i++) {
        const failed = await attemptSignIn(url, ada.email, `wrong ${i}`);
        expect(failed.status, `attempt ${i}`).toBe(302);
        expect(failed.cookie).toBeUndefined();
      }
      const limited = await attemptSignIn(url, ada.email, "wrong 4");
      expect(limited.status).toBe(429);
      const seconds = retryAfter(limited.headers);
      // The lock is on the account: the right password is refused too, other accounts are not.
      const right = await attemptSignIn(url, ada.email.toUpperCase(), ada.password);
      expect(right.status).toBe(429);
      expect(right.cookie).toBeUndefined();
      expect(await signIn(url, bob.email, bob.password)).toContain("session-token");

      const later = await afterWindow(
        seconds,
        () => attemptSignIn(url, ada.email, ada.password),
        (attempt) => attempt.status !== 429,
      );
      expect(later.cookie).toBeDefined();
      const me = await trpcQuery(url, "user.me", undefined, { cookie: later.cookie });
      expect(me.body.result?.data).toMatchObject({ email: ada.email });
    });

    it("limits sign-in attempts per remote address across accounts", async () => {
      const address = remote(10);
      const accounts = [person(), person(), person()];
      for (const account of accounts) await signUp(url, account);
      // 5 attempts from one address, spread over accounts so no account limit trips.
      for (let i = 0; i < 5; i++) {
        const account = accounts[i % 3] as Person;
        const password = i === 4 ? account.password : "wrong";
        const attempt = await attemptSignIn(url, account.email, password, { headers: address });
        expect(attempt.status, `attempt ${i + 1}`).toBe(302);
        expect(attempt.cookie !== undefined, `attempt ${i + 1} signed in`).toBe(i === 4);
      }
      const account = accounts[2] as Person;
      const limited = await attemptSignIn(url, account.email, account.password, {
        headers: address,
      });
      expect(limited.status).toBe(429);
      retryAfter(limited.headers);
      // Another address, and loopback, are not affected.
      const elsewhere = await attemptSignIn(url, account.email, account.password, {
        headers: remote(11),
      });
      expect(elsewhere.cookie).toBeDefined();
      expect(await signIn(url, account.email, account.password)).toContain("session-token");
    });

    it("limits sign-ups per remote address but not from loopback", async () => {
      const address = remote(20);
      for (let i = 0; i < 2; i++) {
        const ok = await trpcMutation(url, "auth.signUp", person(), { headers: address });
        expect(ok.status, `sign-up ${i + 1}`).toBe(200);
      }
      const refusedPerson = person("Refused");
      const refused = await trpcMutation(url, "auth.signUp", refusedPerson, { headers: address });
      expect(refused.status).toBe(429);
      expect(refused.body.error?.data.code).toBe("TOO_MANY_REQUESTS");
      const seconds = retryAfter(refused.headers);
      expect(refused.body.error?.data.retryAfterSeconds).toBe(seconds);

      // Another remote address has its own count.
      expect(
        (await trpcMutation(url, "auth.signUp", person(), { headers: remote(21) })).status,
      ).toBe(200);
      // Loopback clients all look alike, so they are not limited per address.
      for (let i = 0; i < 4; i++) {
        const local = await trpcMutation(url, "auth.signUp", person());
        expect(local.status, `loopback sign-up ${i + 1}`).toBe(200);
      }

      // The refused sign-up stored nothing: after the window the same email signs up.
      const later = await afterWindow(
        seconds,
        () => trpcMutation(url, "auth.signUp", refusedPerson, { headers: address }),
        (call) => call.status !== 429,
      );
      expect(later.status).toBe(200);
      expect(
        await signIn(url, refusedPerson.email, refusedPerson.password, { headers: remote(22) }),
      ).toContain("session-token");
    });

    it("limits message.send per user with 429, Retry-After and retryAfterSeconds, then recovers", async () => {
      const ada = await signedIn(url, "Ada");
      const bob = await signedIn(url, "Bob");
      const workspace = dataOf(
        await trpcMutation<Workspace>(
          url,
          "workspace.create",
          { name: "Limits" },
          {
            cookie: ada.cookie,
          },
        ),
      );
      const { code } = dataOf(
        await trpcMutation<{ code: string }>(
          url,
          "workspace.createInvite",
          {
            workspaceId: workspace.id,
          },
          { cookie: ada.cookie },
        ),
      );
      dataOf(await trpcMutation(url, "workspace.join", { code }, { cookie: bob.cookie }));
      const channelId = workspace.generalChannelId;
      const send = (cookie: string, clientMessageId: string = randomUUID()) =>
        trpcMutation<{ sequence: number }>(
          url,
          "message.send",
          {
            channelId,
            body: "hello",
            clientMessageId,
          },
          { cookie },
        );

      for (let i = 1; i <= 5; i++) {
        const sent = await send(ada.cookie);
        expect(sent.status, `send ${i}`).toBe(200);
        expect(sent.body.result?.data.sequence).toBe(i);
      }
      const refusedId = randomUUID();
      const refused: HttpResult = await send(ada.cookie, refusedId);
      expect(refused.status).toBe(429);
      expect(refused.body.error?.data.code).toBe("TOO_MANY_REQUESTS");
      const seconds = retryAfter(refused.headers);
      expect(refused.body.error?.data.retryAfterSeconds).toBe(seconds);
      expect(refused.body.error?.message).toMatch(/try again in \d+ s/);

      // The limit is per user: Bob still sends, and takes the next number.
      const bobs = await send(bob.cookie);
      expect(bobs.status).toBe(200);
      expect(bobs.body.result?.data.sequence).toBe(6);

      // After the window the refused send goes through; it had taken no number.
      const later = await afterWindow(
        seconds,
        () => send(ada.cookie, refusedId),
        (call) => call.status !== 429,
      );
      expect(later.status).toBe(200);
      expect(later.body.result?.data.sequence).toBe(7);
      const history = dataOf(
        await trpcQuery<{ sequence: number }[]>(
          url,
          "message.list",
          { channelId },
          {
            cookie: bob.cookie,
          },
        ),
      );
      expect(history.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });
  });
});
