/**
 * The Threads view: a thread I follow (I wrote its root) with replies from
 * someone else shows where it is, its root, its replies and how many I have
 * not read; the sidebar counts it; new replies arrive live; "Mark all as
 * read" clears it; choosing it opens the thread at its channel.
 */
import { randomUUID } from "node:crypto";
import {
  channelPath,
  expect,
  sendToChannel,
  sidebarNav,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

test("a followed thread with unread replies: listed with its count, badged in the sidebar, cleared by Mark all as read", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const channelId = workspace.generalChannelId;
  const tag = uniqueTag();
  const root = await sendToChannel(ada, channelId, `Release plan ${tag}`);
  const reply = (body: string) =>
    bob.api.message.send.mutate({
      channelId,
      body,
      clientMessageId: randomUUID(),
      parentId: root.id,
    });
  await reply("Looks good");
  await reply("One question though");

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, channelId));
  await waitForConnected(page);

  const threadsLink = sidebarNav(page).getByRole("link", { name: /^Threads/ });
  await expect(threadsLink).toHaveAccessibleName(/^Threads\s*1 unread$/);
  await threadsLink.click();
  await expect(page.getByRole("heading", { name: "Threads", level: 1 })).toBeVisible();
  await expect(page).toHaveURL((url) => url.pathname === `/w/${workspace.id}/threads`);
  await expect(threadsLink).toHaveAttribute("aria-current", "page");

  const thread = page
    .getByRole("list", { name: "Followed threads" })
    .getByRole("link")
    .filter({ hasText: `Release plan ${tag}` });
  await expect(thread).toContainText("#general");
  await expect(thread).toContainText(`${ada.name}: Release plan ${tag}`);
  await expect(thread).toContainText("2 replies");
  await expect(thread).toContainText("Last reply");
  await expect(thread).toContainText("2 unread");

  // Another reply arrives while the list is open.
  await reply("Never mind, found it");
  await expect(thread).toContainText("3 replies");
  await expect(thread).toContainText("3 unread");

  await page.getByRole("button", { name: "Mark all as read" }).click();
  const confirm = page.getByRole("dialog", { name: "Mark all as read?" });
  await confirm.getByRole("button", { name: "Mark all as read" }).click();
  await expect(confirm).toBeHidden();
  await expect(threadsLink).toHaveAccessibleName("Threads");
  await expect(thread).not.toContainText("unread");

  await thread.click();
  await expect(page).toHaveURL(
    (url) =>
      url.pathname === channelPath(workspace, channelId) &&
      url.searchParams.get("thread") === root.id,
  );
});

test("more followed threads than a page holds load on demand, each once", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const channelId = workspace.generalChannelId;
  const tag = uniqueTag();
  // 31 threads Ada follows (she wrote their roots), one more than the page's 30.
  for (let i = 0; i < 31; i++) {
    const root = await sendToChannel(ada, channelId, `Topic ${i} ${tag}`);
    await bob.api.message.send.mutate({
      channelId,
      body: `Answer ${i}`,
      clientMessageId: randomUUID(),
      parentId: root.id,
    });
  }
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/threads`);
  const threads = page.getByRole("list", { name: "Followed threads" }).getByRole("link");
  await expect(threads).toHaveCount(30);
  // Latest reply first: the first thread is the one left for the second page.
  await expect(threads.filter({ hasText: `Topic 0 ${tag}` })).toHaveCount(0);
  await page.getByRole("button", { name: "Load more threads" }).click();
  await expect(threads).toHaveCount(31);
  await expect(threads.filter({ hasText: `Topic 0 ${tag}` })).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Load more threads" })).toHaveCount(0);
});
