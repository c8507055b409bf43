/**
 * Finding and following in the web app, driven by role and name: opening at
 * the first unread message, permalinks (also for a signed-out visitor),
 * threads live between two people, notifications while the tab is hidden,
 * pins (paged, and a pinned reply's link), editing with a mention, the length
 * limit, and the keyboard alone.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, PASSWORD, test, uniqueTag } from "./fixtures";

const send = (
  api: import("./fixtures").Api,
  place: { channelId: string } | { conversationId: string },
  body: string,
  extra: object = {},
) => api.message.send.mutate({ ...place, body, clientMessageId: randomUUID(), ...extra });

/** Makes the page believe its tab is in the background (or back in front). */
async function setHidden(page: Page, hidden: boolean) {
  await page.evaluate((value) => {
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => (value ? "hidden" : "visible"),
    });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

test("opens at the first unread message and marks read only what has been on screen", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const general = { channelId: workspace.generalChannelId };
  await send(ada.api, general, "before the gap");
  for (let i = 1; i <= 120; i++) await send(bob.api, general, `update number ${i}`);
  const unread = async () =>
    (await ada.api.channel.list.query({ workspaceId: workspace.id })).find(
      (c) => c.id === general.channelId,
    )?.unreadCount;
  expect(await unread()).toBe(120);

  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/c/${general.channelId}`);
  const first = page.getByRole("article", { name: /^New messages start here\./ });
  await expect(first).toBeInViewport();
  await expect(first).toContainText("update number 1");
  await expect(page.getByText("update number 120", { exact: true })).not.toBeInViewport();
  // What was on screen is read; the rest is not.
  await expect.poll(unread).toBeGreaterThan(60);
  expect(await unread()).toBeLessThan(120);

  await page.getByRole("button", { name: "Jump to latest" }).click();
  await expect(page.getByText("update number 120", { exact: true })).toBeInViewport();
  await expect.poll(unread).toBe(0);
});

test("a permalink brings a signed-out visitor back to the message after signing in", async ({
  makeUser,
  makeWorkspace,
  browser,
  baseURL,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const general = { channelId: workspace.generalChannelId };
  for (let i = 1; i <= 60; i++) await send(ada.api, general, `line ${i}`);
  const link = `/w/${workspace.id}/c/${general.channelId}/7`;

  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(link);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await page.getByLabel("Email").fill(ada.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${link}$`));
  const linked = page.getByRole("article", { name: /^Linked message\./ });
  await expect(linked).toContainText("line 7");
  await expect(linked).toBeInViewport();
  await context.close();

  // A place the visitor may not read is not found.
  const eve = await makeUser("Eve");
  await expect(eve.api.message.get.query({ ...general, sequence: 7 })).rejects.toMatchObject({
    data: { code: "NOT_FOUND" },
  });
});

test("a thread reply shows live to the other person, with the thread's unread count", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const general = { channelId: workspace.generalChannelId };
  const tag = uniqueTag();
  await send(ada.api, general, `Plan for ${tag}?`);

  const adaPage = await signedInPage(ada);
  const bobPage = await signedInPage(bob);
  await adaPage.goto(`/w/${workspace.id}/c/${general.channelId}`);
  await bobPage.goto(`/w/${workspace.id}/c/${general.channelId}`);

  const root = bobPage.getByRole("article").filter({ hasText: `Plan for ${tag}?` });
  await root.hover();
  await root.getByRole("button", { name: "Reply in thread" }).click();
  const thread = bobPage.getByRole("complementary", { name: "Thread" });
  const box = thread.getByRole("textbox", { name: /^Reply in thread/ });
  await expect(box).toBeFocused();
  await box.fill("Tuesday works");
  await box.press("Enter");
  await expect(thread.getByRole("article").filter({ hasText: "Tuesday works" })).toBeVisible();

  // Ada sees the reply count on her message without reloading, and the thread counts as unread.
  const adaRoot = adaPage.getByRole("article").filter({ hasText: `Plan for ${tag}?` });
  await expect(adaRoot.getByRole("button", { name: /1 reply/ })).toBeVisible();
  await expect(adaPage.getByRole("link", { name: /Threads.*1 unread/ })).toBeVisible();
  await adaRoot.getByRole("button", { name: /1 reply/ }).click();
  await expect(
    adaPage
      .getByRole("complementary", { name: "Thread" })
      .getByRole("article")
      .filter({ hasText: "Tuesday works" }),
  ).toBeVisible();
  await expect(adaPage.getByRole("link", { name: /Threads.*1 unread/ })).toHaveCount(0);
  // The channel itself has nothing unread: the reply lives in the thread.
  expect(
    (await ada.api.channel.list.query({ workspaceId: workspace.id })).find(
      (c) => c.id === general.channelId,
    )?.unreadCount,
  ).toBe(0);
});

test("while the tab is hidden, the title counts what came and a desktop notification says so", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const page = await signedInPage(ada);
  // The browser's permission, as a person answering its prompt would give it: granted when
  // asked. (Granting it to the context instead races the page: a part that mounts again
  // reads it and shows notifications on before the click.)
  await page.addInitScript(() => {
    const record = window as unknown as { shownNotifications: string[]; permissionAsked: number };
    record.shownNotifications = [];
    record.permissionAsked = 0;
    let permission: NotificationPermission = "default";
    class Recording extends window.Notification {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        record.shownNotifications.push(title);
      }
      static override get permission() {
        return permission;
      }
      static override async requestPermission() {
        record.permissionAsked++;
        permission = "granted";
        return permission;
      }
    }
    Object.defineProperty(window, "Notification", { value: Recording });
  });
  await page.goto(`/w/${workspace.id}/c/${workspace.generalChannelId}`);
  // Nothing is asked on load; the click asks.
  const turnOn = page.getByRole("button", { name: "Turn on desktop notifications" });
  await expect(turnOn).toBeVisible();
  const asked = () =>
    page.evaluate(() => (window as unknown as { permissionAsked: number }).permissionAsked);
  expect(await asked()).toBe(0);
  await turnOn.click();
  await expect(page.getByText("Desktop notifications are on.")).toBeVisible();
  expect(await asked()).toBe(1);

  await setHidden(page, true);
  const dm = await bob.api.conversation.open.mutate({
    workspaceId: workspace.id,
    userIds: [ada.id],
  });
  await send(bob.api, { conversationId: dm.id }, "are you there?");
  await expect(page).toHaveTitle(/^\(1\) /);
  await expect
    .poll(() =>
      page.evaluate(
        () => (window as unknown as { shownNotifications: string[] }).shownNotifications,
      ),
    )
    .toEqual([expect.stringMatching(/^New message from Bob/)]);
  await setHidden(page, false);
  await expect(page).not.toHaveTitle(/^\(\d+\) /);
});

test("pins a message and finds it in the channel's pinned list", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const general = { channelId: workspace.generalChannelId };
  await send(ada.api, general, "the deploy checklist");
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/c/${general.channelId}`);
  const message = page.getByRole("article").filter({ hasText: "the deploy checklist" });
  await message.hover();
  await message.getByRole("button", { name: "More actions" }).click();
  await page.getByRole("menuitem", { name: "Pin", exact: true }).click();
  await expect(message).toContainText("Pinned");
  await page.getByRole("button", { name: "Channel options" }).click();
  await page.getByRole("menuitem", { name: "Pinned messages" }).click();
  const dialog = page.getByRole("dialog", { name: "Pinned in #general" });
  await expect(dialog.getByRole("list", { name: "Pinned messages" })).toContainText(
    "the deploy checklist",
  );
  await dialog.getByRole("button", { name: "Unpin" }).click();
  await expect(dialog.getByText("Nothing is pinned yet")).toBeVisible();
});

test("the pinned list loads more on demand, and a pinned reply's link opens its thread", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const general = { channelId: workspace.generalChannelId };
  const tag = uniqueTag();
  const root = await send(ada.api, general, `release notes ${tag}`);
  const reply = await send(bob.api, general, `pinned reply ${tag}`, { parentId: root.id });
  await ada.api.message.pin.mutate({ messageId: reply.id });
  // More pins than a page holds (30), pinned after the reply, so it is on the second page.
  for (let i = 0; i < 31; i++) {
    const message = await send(ada.api, general, `pin ${i} ${tag}`);
    await ada.api.message.pin.mutate({ messageId: message.id });
  }
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/c/${general.channelId}`);
  await page.getByRole("button", { name: "Channel options" }).click();
  await page.getByRole("menuitem", { name: "Pinned messages" }).click();
  const dialog = page.getByRole("dialog", { name: "Pinned in #general" });
  const pins = dialog.getByRole("list", { name: "Pinned messages" }).getByRole("listitem");
  await expect(pins).toHaveCount(30);
  await expect(dialog).not.toContainText(`pinned reply ${tag}`);
  await dialog.getByRole("button", { name: "Load more pinned messages" }).click();
  await expect(pins).toHaveCount(32);
  await expect(dialog.getByRole("button", { name: "Load more pinned messages" })).toHaveCount(0);
  await pins
    .filter({ hasText: `pinned reply ${tag}` })
    .getByRole("link", { name: "Go to message" })
    .click();
  await expect(page).toHaveURL(
    (url) =>
      url.pathname === `/w/${workspace.id}/c/${general.channelId}/${reply.sequence}` &&
      url.searchParams.get("thread") === root.id,
  );
  await expect(
    page
      .getByRole("complementary", { name: "Thread" })
      .getByRole("article")
      .filter({ hasText: `pinned reply ${tag}` }),
  ).toBeVisible();
});

test("editing keeps a mention, and text over 4,000 characters is kept, counted and not sent", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const general = { channelId: workspace.generalChannelId };
  await send(ada.api, general, `thanks <@${bob.id}> for the review`);
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/c/${general.channelId}`);

  const message = page.getByRole("article").filter({ hasText: "thanks" });
  await expect(message.locator(".mention")).toHaveText(`@${bob.name}`);
  await message.hover();
  await message.getByRole("button", { name: "Edit", exact: true }).click();
  const editor = page.getByRole("textbox", { name: "Edit message" });
  await expect(editor).toHaveValue(`thanks @${bob.name} for the review`);
  await editor.fill(`thanks @${bob.name} for the quick review`);
  await editor.press("Enter");
  await expect(message).toContainText("for the quick review");
  await expect(message.locator(".mention")).toHaveText(`@${bob.name}`);
  // Escape closed nothing here; after saving, focus is back on the message.
  await expect(message).toBeFocused();

  const composer = page.getByRole("textbox", { name: "Message #general" });
  const long = "x".repeat(4001);
  await composer.fill(long);
  await expect(page.getByText("1 character over the 4,000 limit")).toBeVisible();
  await expect(page.getByRole("button", { name: "Send", exact: true })).toBeDisabled();
  await composer.press("Enter");
  await expect(composer).toHaveValue(long);
  await composer.press("Backspace");
  await composer.press("Enter");
  await expect(composer).toHaveValue("");
  await expect(page.getByRole("article").filter({ hasText: "x".repeat(100) })).toBeVisible();
});

test("keyboard only: switch with Ctrl+K, send, move through messages and reply in a thread", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const { id: channelId } = await ada.api.channel.create.mutate({
    workspaceId: workspace.id,
    name: `keys-${uniqueTag()}`,
    isPrivate: false,
  });
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/c/${workspace.generalChannelId}`);
  await page.keyboard.press("Control+k");
  await page.keyboard.type("keys-");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/c/${channelId}`));
  const composer = page.getByRole("textbox", { name: /^Message #keys-/ });
  await expect(composer).toBeFocused();
  await page.keyboard.type("first from the keyboard");
  await page.keyboard.press("Enter");
  await page.keyboard.type("second from the keyboard");
  await page.keyboard.press("Enter");
  const feed = page.getByRole("feed");
  await expect(feed.getByRole("article")).toHaveCount(2);

  // The list is one Tab stop, the newest message once it is stored: Shift+Tab from the composer lands there.
  const second = feed.getByRole("article").filter({ hasText: "second from the keyboard" });
  const first = feed.getByRole("article").filter({ hasText: "first from the keyboard" });
  await expect(second).toHaveAttribute("tabindex", "0");
  await page.keyboard.press("Shift+Tab");
  await expect(second).toBeFocused();
  await page.keyboard.press("ArrowUp");
  await expect(first).toBeFocused();
  // Tab reaches the focused message's actions.
  await page.keyboard.press("Tab");
  const reply = first.getByRole("button", { name: "Reply in thread" });
  while (!(await reply.evaluate((element) => element === document.activeElement)))
    await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  const box = page
    .getByRole("complementary", { name: "Thread" })
    .getByRole("textbox", { name: /^Reply in thread/ });
  await expect(box).toBeFocused();
  await page.keyboard.type("a reply by keyboard");
  await page.keyboard.press("Enter");
  await expect(first.getByRole("button", { name: /1 reply/ })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("complementary", { name: "Thread" })).toHaveCount(0);
});
