/** A direct conversation between two people, started from the UI, carrying messages both ways live. */
import {
  channelPath,
  composer,
  deliveredMessage,
  expect,
  messageArticle,
  sidebarNav,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

test("a direct conversation works both ways", async ({ makeUser, makeWorkspace, signedInPage }) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const carol = await makeUser("Carol");
  const workspace = await makeWorkspace(ada, [bob, carol]);
  const tag = uniqueTag();

  const [adaPage, bobPage] = await Promise.all([signedInPage(ada), signedInPage(bob)]);
  await bobPage.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(bobPage);

  // Ada starts the conversation from the "New message" dialog.
  await adaPage.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(adaPage);
  await sidebarNav(adaPage).getByRole("button", { name: "New message" }).click();
  const dialog = adaPage.getByRole("dialog", { name: "New message" });
  await dialog.getByLabel("Find people").fill("Bob");
  await expect(dialog.getByRole("checkbox")).toHaveCount(1);
  await dialog.getByRole("checkbox", { name: bob.name }).check();
  await dialog.getByRole("button", { name: "Start conversation" }).click();
  await expect(adaPage).toHaveURL(new RegExp(`/w/${workspace.id}/d/[0-9a-f-]{36}$`));
  await expect(adaPage.getByRole("heading", { name: bob.name, level: 1 })).toBeVisible();
  const conversationId = adaPage.url().split("/").at(-1) as string;

  // Opening the same pair again, from either side, gives the same conversation.
  const fromBob = await bob.api.conversation.open.mutate({
    workspaceId: workspace.id,
    userIds: [ada.id],
  });
  expect(fromBob.id).toBe(conversationId);

  await waitForConnected(adaPage);
  const hello = `Hi Bob, just us ${tag}`;
  await composer(adaPage, `Message ${bob.name}`).fill(hello);
  await composer(adaPage, `Message ${bob.name}`).press("Enter");
  await expect(deliveredMessage(adaPage, hello)).toHaveAccessibleName(new RegExp(`^${ada.name}, `));

  // Bob's sidebar gains the conversation, with the message unread, without a reload.
  const link = sidebarNav(bobPage).getByRole("link", { name: new RegExp(`^${ada.name}`) });
  await expect(link).toHaveAccessibleName(/1 unread$/);
  await link.click();
  await expect(bobPage.getByRole("heading", { name: ada.name, level: 1 })).toBeVisible();
  await expect(messageArticle(bobPage, hello)).toBeVisible();
  await waitForConnected(bobPage);

  const reply = `Hi Ada, got it ${tag}`;
  await composer(bobPage, `Message ${ada.name}`).fill(reply);
  await bobPage.getByRole("button", { name: "Send" }).click();
  await expect(messageArticle(adaPage, reply)).toBeVisible({ timeout: 2000 });
  await expect(messageArticle(adaPage, reply)).toHaveAccessibleName(new RegExp(`^${bob.name}, `));

  // Both are in order in both places, and nobody else can read them.
  for (const page of [adaPage, bobPage]) {
    const articles = page.getByRole("feed").getByRole("article");
    await expect(articles).toHaveCount(2);
    await expect(articles.nth(0)).toContainText(hello);
    await expect(articles.nth(1)).toContainText(reply);
  }
  await expect(carol.api.message.list.query({ conversationId })).rejects.toThrow(
    "Conversation not found.",
  );
});
