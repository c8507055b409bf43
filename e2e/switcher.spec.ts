/** The quick switcher: Ctrl+K (or Cmd+K), a few letters, Enter — no mouse. */
import { channelPath, createChannel, expect, test, uniqueTag, waitForConnected } from "./fixtures";

test("Ctrl+K and Meta+K switch channel by keyboard alone", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const tag = uniqueTag();
  const design = await createChannel(ada, workspace, `design-reviews-${tag}`);
  await createChannel(ada, workspace, `deploys-${tag}`);

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  await page.keyboard.press("Control+K");
  const dialog = page.getByRole("dialog", { name: "Jump to a channel or conversation" });
  const input = dialog.getByRole("combobox", { name: "Jump to" });
  await expect(input).toBeFocused();
  await page.keyboard.type("design-rev");
  await expect(dialog.getByRole("option")).toHaveCount(1);
  await expect(dialog.getByRole("option", { selected: true })).toHaveText(`#${design.name}`);
  await page.keyboard.press("Enter");

  await expect(page.getByRole("heading", { name: `#${design.name}`, level: 1 })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`${channelPath(workspace, design.id)}$`));
  await expect(dialog).toBeHidden();

  // Cmd+K on a Mac; arrows pick among several matches.
  await page.keyboard.press("Meta+K");
  await expect(input).toBeFocused();
  await page.keyboard.type("#gen");
  await expect(dialog.getByRole("option", { selected: true })).toHaveText("#general");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();

  // Escape closes it without moving.
  await page.keyboard.press("Control+K");
  await expect(input).toBeFocused();
  await page.keyboard.type(tag);
  await expect(dialog.getByRole("option")).toHaveCount(2);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
});
