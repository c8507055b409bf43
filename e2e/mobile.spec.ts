/** On a phone-sized screen the sidebar is a drawer: open it, switch channel, send. */
import {
  channelPath,
  composer,
  createChannel,
  deliveredMessage,
  expect,
  messageArticle,
  sidebarNav,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

test("at 390×844: open the drawer, switch channel and send a message", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const random = await createChannel(ada, workspace, `random-${uniqueTag()}`);

  const page = await signedInPage(ada, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await waitForConnected(page);

  // The sidebar is out of the way until asked for.
  const nav = sidebarNav(page);
  await expect(nav).toBeHidden();
  await page.getByRole("button", { name: "Open sidebar" }).tap();
  await expect(nav).toBeVisible();
  await nav.getByRole("link", { name: random.name }).tap();

  // Navigating closes the drawer.
  await expect(page.getByRole("heading", { name: `#${random.name}`, level: 1 })).toBeVisible();
  await expect(nav).toBeHidden();
  await waitForConnected(page);

  const body = `Sent from a phone ${uniqueTag()}`;
  const box = composer(page, `Message #${random.name}`);
  await box.tap();
  await box.fill(body);
  await page.getByRole("button", { name: "Send" }).tap();
  const sent = deliveredMessage(page, body);
  await expect(sent).toHaveAccessibleName(new RegExp(`^${ada.name}, `));
  await expect(sent).toBeInViewport();
  await expect(box).toHaveValue("");

  // Nothing spills sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expect(messageArticle(page, body)).toHaveCount(1);
  const stored = await ada.api.message.list.query({ channelId: random.id });
  expect(stored.map((message) => message.body)).toEqual([body]);
});
