/**
 * Real-time delivery between two people in their own browsers: a message,
 * the sidebar's unread count, edits, deletions and reactions all arrive
 * live, with no reload.
 */
import type { Page } from "@playwright/test";
import {
  channelPath,
  composer,
  createChannel,
  expect,
  messageArticle,
  sendToChannel,
  sidebarNav,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

/** Marks the document, so a later check can prove the page was never reloaded. */
async function markDocument(page: Page) {
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
}
async function expectNotReloaded(page: Page) {
  expect(
    await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
  ).toBe(true);
}

test("a second person joins by invite link and sees a message within a second", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada);

  const bobPage = await signedInPage(bob);
  await bobPage.goto(`/invite/${workspace.inviteCode}`);
  await bobPage.getByRole("button", { name: `Join ${workspace.name}` }).click();
  await expect(bobPage.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await waitForConnected(bobPage);
  await markDocument(bobPage);

  const adaPage = await signedInPage(ada);
  await adaPage.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(adaPage);

  const body = `Hello Bob, live ${uniqueTag()}`;
  await composer(adaPage, "Message #general").fill(body);
  await composer(adaPage, "Message #general").press("Enter");
  const sentAt = Date.now();
  await expect(messageArticle(bobPage, body)).toBeVisible({ timeout: 2000 });
  const latency = Date.now() - sentAt;
  test.info().annotations.push({ type: "latency", description: `${latency} ms` });
  expect(latency).toBeLessThan(2000);
  await expect(messageArticle(bobPage, body)).toHaveAccessibleName(new RegExp(`^${ada.name}, `));
  await expectNotReloaded(bobPage);
});

test("the unread count rises in another channel and clears when it is opened", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const random = await createChannel(ada, workspace, `random-${uniqueTag()}`, { members: [bob] });

  const bobPage = await signedInPage(bob);
  await bobPage.goto(channelPath(workspace, random.id));
  await expect(bobPage.getByRole("heading", { name: `#${random.name}`, level: 1 })).toBeVisible();
  await waitForConnected(bobPage);
  await markDocument(bobPage);

  const general = sidebarNav(bobPage).getByRole("link", { name: /^general\b/ });
  await expect(general).toHaveAccessibleName("general");

  const tag = uniqueTag();
  for (let i = 1; i <= 3; i++) await sendToChannel(ada, workspace.generalChannelId, `n${i} ${tag}`);
  await expect(general).toHaveAccessibleName(/^general\s*3 unread$/);
  // Nothing was unread where Bob is.
  await expect(sidebarNav(bobPage).getByRole("link", { name: /^random-/ })).toHaveAccessibleName(
    random.name,
  );

  await general.click();
  await expect(bobPage.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await expect(messageArticle(bobPage, `n3 ${tag}`)).toBeVisible();
  await expect(general).toHaveAccessibleName("general");
  await expect
    .poll(async () => {
      const channels = await bob.api.channel.list.query({ workspaceId: workspace.id });
      return channels.find((channel) => channel.id === workspace.generalChannelId)?.unreadCount;
    })
    .toBe(0);
  await expectNotReloaded(bobPage);
});

test("edits, deletions and reactions appear live for the other person", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const tag = uniqueTag();
  await sendToChannel(ada, workspace.generalChannelId, `first draft ${tag}`);
  await sendToChannel(ada, workspace.generalChannelId, `regrettable ${tag}`);
  await sendToChannel(ada, workspace.generalChannelId, `ship it ${tag}`);

  const [adaPage, bobPage] = await Promise.all([signedInPage(ada), signedInPage(bob)]);
  for (const page of [adaPage, bobPage]) {
    await page.goto(channelPath(workspace, workspace.generalChannelId));
    await expect(messageArticle(page, `ship it ${tag}`)).toBeVisible();
    await waitForConnected(page);
  }
  await markDocument(bobPage);

  // Edit through Ada's message actions.
  const draft = messageArticle(adaPage, `first draft ${tag}`);
  await draft.hover();
  await draft
    .getByRole("toolbar", { name: "Message actions" })
    .getByRole("button", { name: "Edit" })
    .click();
  await adaPage.getByRole("textbox", { name: "Edit message" }).fill(`final text ${tag}`);
  await adaPage.getByRole("textbox", { name: "Edit message" }).press("Enter");
  const edited = messageArticle(bobPage, `final text ${tag}`);
  await expect(edited).toBeVisible({ timeout: 2000 });
  await expect(edited).toContainText("(edited)");
  await expect(messageArticle(bobPage, `first draft ${tag}`)).toHaveCount(0);

  // Delete, confirming in the dialog; Bob sees the tombstone in its place.
  const regrettable = messageArticle(adaPage, `regrettable ${tag}`);
  await regrettable.hover();
  await regrettable.getByRole("button", { name: "Delete" }).click();
  const confirm = adaPage.getByRole("dialog", { name: "Delete this message?" });
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(confirm).toBeHidden();
  await expect(messageArticle(bobPage, `regrettable ${tag}`)).toHaveCount(0, { timeout: 2000 });
  await expect(messageArticle(bobPage, "This message was deleted.")).toHaveCount(1);

  // React with 👍.
  const ship = messageArticle(adaPage, `ship it ${tag}`);
  await ship.hover();
  await ship.getByRole("button", { name: "Add reaction" }).click();
  await ship.getByRole("button", { name: "React with 👍" }).click();
  await expect(ship.getByRole("button", { name: "👍 1 reaction, including yours" })).toBeVisible();
  await expect(
    messageArticle(bobPage, `ship it ${tag}`).getByRole("button", { name: "👍 1 reaction" }),
  ).toBeVisible({ timeout: 2000 });

  // The order stays: edited first, tombstone second, reacted third.
  await expect(bobPage.getByRole("feed").getByRole("article")).toHaveCount(3);
  await expect(bobPage.getByRole("feed").getByRole("article").nth(1)).toContainText(
    "This message was deleted.",
  );
  await expectNotReloaded(bobPage);
});
