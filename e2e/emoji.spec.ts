/**
 * Emoji: the full picker opened from a message by keyboard alone (search,
 * Enter reacts, focus comes back, Escape closes), ":shortcode:" suggestions
 * in the composer, shortcodes turned into emoji on send (code left as typed),
 * and who reacted shown on keyboard focus. Chromium here has no colour emoji
 * font, so everything is checked by text and accessible names.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import {
  channelPath,
  composer,
  deliveredMessage,
  expect,
  sendToChannel,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

/** Presses Tab until `target` has focus (what comes before it in a message may change). */
async function tabTo(page: Page, target: Locator, most = 12) {
  for (let press = 0; press < most; press++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
}

test("the full emoji picker by keyboard: search, Enter reacts, focus returns, Escape closes", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const tag = uniqueTag();
  await sendToChannel(bob, workspace.generalChannelId, `We shipped it ${tag}`);

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);
  const message = deliveredMessage(page, `We shipped it ${tag}`);
  const addReaction = message.getByRole("button", { name: "Add reaction" });
  const more = message.getByRole("button", { name: "More reactions" });
  const picker = page.getByRole("dialog", { name: "Add reaction" });

  // The message is the list's Tab stop; from it, Tab reaches its actions.
  await message.focus();
  await tabTo(page, addReaction);
  await page.keyboard.press("Enter");
  await expect(message.getByRole("button", { name: "React with 👍" })).toBeFocused();
  await tabTo(page, more, 6);
  await page.keyboard.press("Enter");

  await expect(picker).toBeVisible();
  const search = picker.getByRole("searchbox", { name: "Search emoji" });
  await expect(search).toBeFocused();
  await page.keyboard.type("tada");
  const partyPopper = picker.getByRole("button", { name: "party popper" });
  await expect(partyPopper).toBeVisible();
  await page.keyboard.press("ArrowDown");
  await expect(partyPopper).toBeFocused();
  await page.keyboard.press("Enter");

  await expect(picker).toBeHidden();
  await expect(
    message.getByRole("button", { name: "🎉 1 reaction, including yours" }),
  ).toBeVisible();
  await expect(addReaction).toBeFocused();
  // Bob sees it too: the reaction was stored.
  await expect
    .poll(async () => {
      const messages = await bob.api.message.list.query({
        channelId: workspace.generalChannelId,
      });
      return messages.find((m) => m.body === `We shipped it ${tag}`)?.reactions;
    })
    .toEqual([expect.objectContaining({ emoji: "🎉", count: 1, userIds: [ada.id] })]);

  // Escape closes the picker and gives focus back to the button that opened it.
  await page.keyboard.press("Enter");
  await expect(message.getByRole("button", { name: "React with 👍" })).toBeFocused();
  await tabTo(page, more, 6);
  await page.keyboard.press("Enter");
  await expect(picker.getByRole("searchbox", { name: "Search emoji" })).toBeFocused();
  // "Recently used" now leads, with the emoji just picked.
  await expect(picker.getByRole("grid", { name: "Recently used" })).toContainText("🎉");
  // axe on the dialog, with one grid (two thousand alike buttons make it slow, not wiser).
  const axe = await new AxeBuilder({ page })
    .include("[role=dialog]")
    .exclude("[role=dialog] section:not(:first-of-type)")
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  expect(
    axe.violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => violation.id),
  ).toEqual([]);
  await page.keyboard.press("Escape");
  await expect(picker).toBeHidden();
  await expect(more).toBeFocused();
});

test("':tad' in the composer suggests :tada:, and Tab puts it in", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const tag = uniqueTag();
  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  const box = composer(page, "Message #general");
  await box.pressSequentially(`Release ${tag} is out :tad`);
  const suggestions = page.getByRole("listbox", { name: "Emoji" });
  await expect(suggestions.getByRole("option", { name: "🎉 :tada:" })).toHaveAttribute(
    "aria-selected",
    "true",
  );
  await box.press("Tab");
  await expect(suggestions).toBeHidden();
  await expect(box).toHaveValue(`Release ${tag} is out 🎉 `);
  await expect(box).toBeFocused();
  await box.press("Enter");
  await expect(deliveredMessage(page, `Release ${tag} is out`)).toContainText(
    `Release ${tag} is out 🎉`,
  );
  // "@" still suggests people, as before.
  await box.pressSequentially("@Ad");
  await expect(
    page.getByRole("listbox", { name: "People to mention" }).getByRole("option", {
      name: ada.name,
    }),
  ).toBeVisible();
});

test("':smile:' typed and sent becomes 😄, but not in code", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const tag = uniqueTag();
  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  const box = composer(page, "Message #general");
  await box.pressSequentially(`Morning ${tag} :smile: write \`:smile:\` and :nope:`);
  await expect(page.getByRole("listbox", { name: "Emoji" })).toBeHidden();
  await box.press("Enter");
  const sent = deliveredMessage(page, `Morning ${tag}`);
  await expect(sent).toContainText(`Morning ${tag} 😄 write :smile: and :nope:`);
  await expect(sent.locator("code")).toHaveText(":smile:");
});

test("the Emoji button inserts the picked emoji at the caret", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  const box = composer(page, "Message #general");
  await box.fill("good  morning");
  await box.evaluate((element: HTMLTextAreaElement) => element.setSelectionRange(5, 5));
  await page.getByRole("button", { name: "Emoji", exact: true }).click();
  const picker = page.getByRole("dialog", { name: "Insert emoji" });
  await picker.getByRole("searchbox", { name: "Search emoji" }).fill("sunrise");
  await picker.getByRole("button", { name: "sunrise", exact: true }).click();
  await expect(picker).toBeHidden();
  await expect(box).toHaveValue("good 🌅 morning");
  await expect(box).toBeFocused();
});

test("who reacted shows on keyboard focus", async ({ makeUser, makeWorkspace, signedInPage }) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const tag = uniqueTag();
  const sent = await sendToChannel(ada, workspace.generalChannelId, `Lunch at noon ${tag}`);
  await bob.api.message.react.mutate({ messageId: sent.id, emoji: "👍" });

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);
  const message = deliveredMessage(page, `Lunch at noon ${tag}`);
  const chip = message.getByRole("button", { name: "👍 1 reaction" });
  const tooltip = message.getByRole("tooltip");
  await expect(chip).toBeVisible();
  await expect(tooltip).toBeHidden();

  await message.focus();
  await tabTo(page, chip);
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toHaveText(`${bob.name} reacted with 👍`);
  await expect(chip).toHaveAccessibleDescription(`${bob.name} reacted with 👍`);
  // Escape hides it; the names stay in the description.
  await page.keyboard.press("Escape");
  await expect(tooltip).toBeHidden();
  await expect(chip).toBeFocused();
});
