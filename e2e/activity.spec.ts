/**
 * The Activity view: a mention of me shows up marked unread with its badge
 * in the sidebar; viewing the page marks it seen, so the badge clears while
 * the item stays marked for this visit; new activity is offered live; an
 * item opens its message's permalink.
 */
import {
  channelPath,
  expect,
  sendToChannel,
  sidebarNav,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

test("a mention is listed as unread, and viewing Activity clears its badge", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const channelId = workspace.generalChannelId;
  const tag = uniqueTag();
  const mention = await sendToChannel(bob, channelId, `Hey <@${ada.id}>, can you review ${tag}?`);

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, channelId));
  await waitForConnected(page);

  const activityLink = sidebarNav(page).getByRole("link", { name: /^Activity/ });
  await expect(activityLink).toHaveAccessibleName(/^Activity\s*1 unread$/);
  await activityLink.click();
  await expect(page.getByRole("heading", { name: "Activity", level: 1 })).toBeVisible();

  const list = page.getByRole("list", { name: "Activity" });
  const item = list.getByRole("link").filter({ hasText: `review ${tag}` });
  await expect(item).toContainText(`${bob.name} mentioned you in #general`);
  await expect(item).toContainText(`Hey @${ada.name}, can you review ${tag}?`);
  await expect(item).toContainText("Unread");
  // Seen now: the badge clears, the item keeps its mark for this visit.
  await expect(activityLink).toHaveAccessibleName("Activity");
  await expect(item).toContainText("Unread");

  // New activity while the page is open is offered, not pushed in.
  await sendToChannel(bob, channelId, `<@${ada.id}> and another thing ${tag}`);
  await expect(activityLink).toHaveAccessibleName(/^Activity\s*1 unread$/);
  await page.getByRole("button", { name: "Show new activity (1)" }).click();
  await expect(list.getByRole("link").filter({ hasText: `another thing ${tag}` })).toContainText(
    "Unread",
  );
  await expect(activityLink).toHaveAccessibleName("Activity");

  // Next time, everything is read.
  await page.reload();
  await expect(item).toBeVisible();
  await expect(list.getByText("Unread")).toHaveCount(0);

  await item.click();
  await expect(page).toHaveURL(
    (url) => url.pathname === `${channelPath(workspace, channelId)}/${mention.sequence}`,
  );
});
