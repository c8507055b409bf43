/**
 * Fixtures and shared waits of the Playwright suite. Every test makes its own
 * people and workspaces through the public HTTP API — `auth.signUp`, then
 * next-auth's credentials endpoint (CSRF token, then the callback), then tRPC
 * with the session cookie — and gets browser pages signed in by handing that
 * cookie to a fresh context. No shared account, no clicking through forms to
 * set up, nothing one test leaves behind that another relies on.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import {
  type BrowserContext,
  type BrowserContextOptions,
  test as base,
  expect,
  type Locator,
  type Page,
} from "@playwright/test";
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import type { AppRouter } from "../server/routers/_app";
// Pure HTTP helpers (fetch only, no database): the same sign-up and sign-in an outside client does.
import { signIn, signUp } from "../testing/http";

export { expect };

/** A typed tRPC client over plain HTTP: queries as GET ?input=…, mutations as POST JSON. */
export type Api = TRPCClient<AppRouter>;

export interface User {
  id: string;
  email: string;
  name: string;
  password: string;
  /** The session cookie(s) the credentials endpoint set. */
  cookies: { name: string; value: string }[];
  /** tRPC as this person, with their session cookie. */
  api: Api;
}

export interface Workspace {
  id: string;
  name: string;
  generalChannelId: string;
  /** An unlimited invite code, already used by the members it was made with. */
  inviteCode: string;
}

/**
 * A TCP relay between a browser context and the app that a test can cut like
 * a pulled cable. Chromium's offline emulation (`context.setOffline`) fails new
 * requests but leaves an open event stream alone; cutting the relay drops it too.
 */
export interface CuttableLink {
  /** Give this as the context's baseURL (cookies ignore the port, so sessions still apply). */
  url: string;
  /** Drops every open connection and refuses new ones. */
  cut(): void;
  restore(): void;
}

export interface Fixtures {
  /** A new account (unique email; the name gets a short suffix), signed in over HTTP. */
  makeUser(name?: string): Promise<User>;
  /** A page in a browser context of its own, signed in as `user`. */
  signedInPage(user: User, options?: BrowserContextOptions): Promise<Page>;
  /** A workspace owned by `owner` (with #general) that `members` joined through an invite. */
  makeWorkspace(owner: User, members?: User[], name?: string): Promise<Workspace>;
  cuttableLink: CuttableLink;
}

export const PASSWORD = "correct horse battery staple";

/** A short random tag that keeps names and message bodies of concurrent tests apart. */
export function uniqueTag(): string {
  return randomUUID().slice(0, 8);
}

function apiFor(baseURL: string, cookie: string): Api {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: new URL("/api/trpc", baseURL).href, headers: { cookie } })],
  });
}

/** next-auth's session cookie (chunked as .0, .1, … when large; `__Secure-` over HTTPS). */
const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?$/;

/** The session cookies in a Cookie header "a=1; b=2" (cookie values never contain "; "). */
function sessionCookies(header: string) {
  return header
    .split("; ")
    .map((pair) => {
      const equals = pair.indexOf("=");
      return { name: pair.slice(0, equals), value: pair.slice(equals + 1) };
    })
    .filter((cookie) => SESSION_COOKIE.test(cookie.name));
}

export const test = base.extend<Fixtures>({
  makeUser: async ({ baseURL }, use) => {
    if (!baseURL) throw new Error("Set use.baseURL in playwright.config.ts");
    await use(async (name = "Tester") => {
      const tag = uniqueTag();
      const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${tag}@example.com`;
      const displayName = `${name} ${tag}`;
      const id = await signUp(baseURL, { email, name: displayName, password: PASSWORD });
      const cookie = await signIn(baseURL, email, PASSWORD);
      return {
        id,
        email,
        name: displayName,
        password: PASSWORD,
        cookies: sessionCookies(cookie),
        api: apiFor(baseURL, cookie),
      };
    });
  },

  signedInPage: async ({ browser, baseURL }, use) => {
    if (!baseURL) throw new Error("Set use.baseURL in playwright.config.ts");
    const contexts: BrowserContext[] = [];
    await use(async (user, options = {}) => {
      const context = await browser.newContext({ baseURL, ...options });
      contexts.push(context);
      await context.addCookies(
        user.cookies.map((cookie) => ({ ...cookie, url: baseURL, sameSite: "Lax" as const })),
      );
      return context.newPage();
    });
    await Promise.all(contexts.map((context) => context.close()));
  },

  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  makeWorkspace: async ({}, use) => {
    await use(async (owner, members = [], name = `Workspace ${uniqueTag()}`) => {
      const created = await owner.api.workspace.create.mutate({ name });
      const { code } = await owner.api.workspace.createInvite.mutate({ workspaceId: created.id });
      for (const member of members) await member.api.workspace.join.mutate({ code });
      return { id: created.id, name, generalChannelId: created.generalChannelId, inviteCode: code };
    });
  },

  cuttableLink: async ({ baseURL }, use) => {
    if (!baseURL) throw new Error("Set use.baseURL in playwright.config.ts");
    const app = new URL(baseURL);
    const sockets = new Set<net.Socket>();
    let up = true;
    const relay = net.createServer((client) => {
      if (!up) {
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect(Number(app.port || 80), app.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const { port } = relay.address() as net.AddressInfo;
    const dropAll = () => {
      for (const socket of sockets) socket.resetAndDestroy();
    };
    await use({
      url: `http://127.0.0.1:${port}`,
      cut() {
        up = false;
        dropAll();
      },
      restore() {
        up = true;
      },
    });
    dropAll();
    await new Promise((resolve) => relay.close(resolve));
  },
});

// ---------------------------------------------------------------------------
// Data through the API

/** A channel made by `owner`, with `members` added to it. */
export async function createChannel(
  owner: User,
  workspace: Workspace,
  name: string,
  options: { isPrivate?: boolean; members?: User[]; topic?: string } = {},
): Promise<{ id: string; name: string }> {
  const { id } = await owner.api.channel.create.mutate({
    workspaceId: workspace.id,
    name,
    isPrivate: options.isPrivate ?? false,
    topic: options.topic,
  });
  for (const member of options.members ?? []) {
    await owner.api.channel.addMember.mutate({ channelId: id, userId: member.id });
  }
  return { id, name };
}

/** Sends one message to a channel as `user`; resolves with the stored message. */
export function sendToChannel(user: User, channelId: string, body: string) {
  return user.api.message.send.mutate({ channelId, body, clientMessageId: randomUUID() });
}

export const channelPath = (workspace: Workspace, channelId: string) =>
  `/w/${workspace.id}/c/${channelId}`;

// ---------------------------------------------------------------------------
// Locators and waits shared by the specs

/** The connection indicator in a channel or conversation header. */
export function connectionStatus(page: Page): Locator {
  return page
    .getByRole("status")
    .filter({ hasText: /Connecting…|Connected|Reconnecting…|Caught up|Disconnected/ });
}

/** The live stream is up (or has just caught up after a reconnect). */
export async function waitForConnected(page: Page, timeout?: number): Promise<void> {
  await expect(connectionStatus(page)).toHaveText(/(^|\s)(Connected|Caught up)$/, { timeout });
}

/** The message history of the open channel or conversation. */
export function feed(page: Page): Locator {
  return page.getByRole("feed");
}

/** Message articles (delivered or pending) whose text contains `text`. */
export function messageArticle(page: Page, text: string | RegExp): Locator {
  return feed(page).getByRole("article").filter({ hasText: text });
}

/** Delivered messages (stored, so they carry their sequence) whose text contains `text`; pending ones are left out. */
export function deliveredMessage(page: Page, text: string | RegExp): Locator {
  return feed(page).locator("article[data-sequence]").filter({ hasText: text });
}

/** The composer of the open channel or conversation, e.g. "Message #general". */
export function composer(page: Page, label: string): Locator {
  return page.getByRole("textbox", { name: label, exact: true });
}

/** The sidebar's list of channels and conversations. */
export function sidebarNav(page: Page): Locator {
  return page.getByRole("navigation", { name: "Channels and direct messages" });
}

/**
 * The delivered messages the list has rendered now (it is virtualised: only
 * rows near the viewport exist), in DOM order, with their sequence and text.
 */
export function renderedMessages(page: Page): Promise<{ sequence: number; text: string }[]> {
  return feed(page)
    .locator("article[data-sequence]")
    .evaluateAll((articles) =>
      articles.map((article) => ({
        sequence: Number(article.getAttribute("data-sequence")),
        text: article.textContent ?? "",
      })),
    );
}
