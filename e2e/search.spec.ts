/**
 * Message search: `/`, Ctrl+F or the sidebar's "Search messages" open it;
 * typing searches as you go; hits are grouped by place with the matched word
 * marked; the arrow keys and Enter (or a tap) open a hit's permalink; Escape
 * gives focus back. The permalink page itself is another spec's business:
 * here only its URL is checked.
 */
import type { Page } from "@playwright/test";
import {
  channelPath,
  composer,
  createChannel,
  expect,
  sendToChannel,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

/** A word no other test's messages contain, so a search finds only this test's. */
const uniqueWord = () => `quokka${uniqueTag()}`;

function searchDialog(page: Page) {
  const dialog = page.getByRole("dialog", { name: "Search messages" });
  return {
    dialog,
    box: dialog.getByRole("combobox", { name: "Search messages" }),
    results: dialog.getByRole("listbox", { name: "Search results" }),
  };
}

test("type a word, see it marked in its channel's group, and open the hit's permalink by keyboard", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const word = uniqueWord();
  const deploys = await createChannel(ada, workspace, `deploys-${uniqueTag()}`, { members: [bob] });
  await sendToChannel(bob, deploys.id, "nothing to see here");
  const inDeploys = await sendToChannel(bob, deploys.id, `The ${word} deploy finished`);
  const inGeneral = await sendToChannel(bob, workspace.generalChannelId, `Is ${word} **live**?`);

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  await page.keyboard.press("/");
  const { dialog, box, results } = searchDialog(page);
  await expect(box).toBeFocused();
  await expect(dialog).toContainText("from:@person");
  await page.keyboard.type(word);

  const options = results.getByRole("option");
  await expect(options).toHaveCount(2);
  const deployHit = results
    .getByRole("group", { name: `#${deploys.name}` })
    .getByRole("option")
    .filter({ hasText: "deploy finished" });
  await expect(deployHit).toContainText(bob.name);
  await expect(deployHit.locator("mark")).toHaveText(word);
  // The body is plain text: Markdown shows as typed, never as markup.
  const generalHit = results.getByRole("group", { name: "#general" }).getByRole("option");
  await expect(generalHit).toContainText(`Is ${word} **live**?`);
  await expect(generalHit.locator("mark")).toHaveText(word);

  // The first hit is active; the arrows move through them and Enter opens the active one.
  await expect(options.first()).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowDown");
  await expect(options.nth(1)).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("ArrowDown");
  const chosen = (await options.nth(1).textContent()) ?? "";
  const target = chosen.includes("deploy finished")
    ? `${channelPath(workspace, deploys.id)}/${inDeploys.sequence}`
    : `${channelPath(workspace, workspace.generalChannelId)}/${inGeneral.sequence}`;
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL((url) => url.pathname === target && url.search === "");
  await expect(dialog).toBeHidden();
});

test("Ctrl+F opens search from the composer, says when nothing matches, and Escape returns focus", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  // In a text field, "/" is just a character.
  const box = composer(page, "Message #general");
  await box.click();
  await page.keyboard.type("/");
  await expect(box).toHaveValue("/");
  const search = searchDialog(page);
  await expect(search.dialog).toBeHidden();

  await page.keyboard.press("Control+F");
  await expect(search.box).toBeFocused();
  const word = uniqueWord();
  await page.keyboard.type(word);
  await expect(search.dialog.getByText(`No messages match “${word}”.`)).toBeVisible();
  await expect(search.dialog.getByRole("status")).toHaveText("No results");

  await page.keyboard.press("Escape");
  await expect(search.dialog).toBeHidden();
  await expect(box).toBeFocused();
  await expect(box).toHaveValue("/");
});

test("on a phone: search from the sidebar, load more, and tap a hit", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const word = uniqueWord();
  const sent = [];
  for (let n = 1; n <= 23; n++)
    sent.push(await sendToChannel(ada, workspace.generalChannelId, `${word} number ${n}`));

  const page = await signedInPage(ada, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);
  await page.getByRole("button", { name: "Open sidebar" }).tap();
  await page.getByRole("button", { name: "Search messages" }).tap();

  const { dialog, box, results } = searchDialog(page);
  await expect(box).toBeFocused();
  await box.fill(word);
  await expect(results.getByRole("option")).toHaveCount(20);
  await expect(dialog.getByRole("status")).toHaveText("20+ results");
  await dialog.getByRole("button", { name: "Load more" }).tap();
  await expect(results.getByRole("option")).toHaveCount(23);
  await expect(dialog.getByRole("button", { name: "Load more" })).toBeHidden();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  const seventh = sent[6];
  if (!seventh) throw new Error("no seventh message");
  await results
    .getByRole("option")
    .filter({ hasText: new RegExp(`${word} number 7$`) })
    .tap();
  await expect(page).toHaveURL(
    (url) =>
      url.pathname === `${channelPath(workspace, workspace.generalChannelId)}/${seventh.sequence}`,
  );
});
