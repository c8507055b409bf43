/** Markup typed into messages is shown as text: nothing runs, nothing loads, no link goes to javascript:. */
import {
  channelPath,
  composer,
  deliveredMessage,
  expect,
  feed,
  messageArticle,
  sendToChannel,
  test,
  waitForConnected,
} from "./fixtures";

const HOSTILE = [
  "<img src=x onerror=alert(1)>",
  "[x](javascript:alert(1))",
  "<script>alert(1)</script>",
  '<a href="javascript:alert(1)">click</a>',
  "<svg onload=alert(1)>",
];

test("hostile message bodies are inert text and no dialog ever opens", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Mallory");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  // Stored before Bob opens the channel (server-rendered history) …
  for (const body of HOSTILE.slice(0, 3))
    await sendToChannel(ada, workspace.generalChannelId, body);

  const page = await signedInPage(bob);
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  // … and typed by Bob himself and arriving live from Mallory.
  await composer(page, "Message #general").fill(HOSTILE[3] as string);
  await composer(page, "Message #general").press("Enter");
  await sendToChannel(ada, workspace.generalChannelId, HOSTILE[4] as string);

  for (const body of HOSTILE) {
    const article = deliveredMessage(page, body);
    await expect(article).toHaveCount(1);
    await expect(messageArticle(page, body)).toHaveCount(1);
    await expect(article.getByText(body, { exact: true })).toBeVisible();
  }
  const messages = feed(page);
  await expect(messages.getByRole("article")).toHaveCount(HOSTILE.length);
  await expect(messages.locator("img, script, svg, iframe, object, embed")).toHaveCount(0);
  await expect(messages.locator('a[href^="javascript:" i]')).toHaveCount(0);
  await expect(messages.locator("[onerror], [onload], [onclick]")).toHaveCount(0);

  // After a reload (history rendered on the server this time) still nothing.
  await page.reload();
  await waitForConnected(page);
  await expect(messages.getByRole("article")).toHaveCount(HOSTILE.length);
  await expect(messages.locator("img, script, svg, iframe, object, embed")).toHaveCount(0);
  await expect(messages.locator('a[href^="javascript:" i]')).toHaveCount(0);
  expect(dialogs).toEqual([]);
});
