/**
 * The members page and profile cards: everyone with their role and live
 * presence (online first), a filter, and a card whose "Message" button opens
 * the direct conversation. Also at phone width in the dark theme, checked
 * with axe.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { channelPath, expect, sidebarNav, test, uniqueTag, waitForConnected } from "./fixtures";

test("a profile card shows presence live, and its Message button opens the DM", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const carol = await makeUser("Carol");
  const workspace = await makeWorkspace(ada, [bob, carol]);
  await bob.api.user.update.mutate({ status: `On call ${uniqueTag()}` });
  const bobStatus = (await bob.api.user.me.query()).status;

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);
  await sidebarNav(page).getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();

  const members = page.getByRole("list", { name: "Members" });
  await expect(members.getByRole("listitem")).toHaveCount(3);
  // Only Ada is online: she comes first.
  await expect(members.getByRole("listitem").first()).toContainText(`${ada.name}(you)`);
  await expect(members.getByRole("listitem").first()).toContainText("Online");
  const bobRow = members.getByRole("listitem").filter({ hasText: bob.name });
  await expect(bobRow).toContainText(bobStatus);
  await expect(bobRow).toContainText("Member");
  await expect(bobRow).toContainText("Offline");

  // The filter narrows the list and says how many match.
  await page.getByLabel("Filter members").fill("on call");
  await expect(members.getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("status").filter({ hasText: "1 of 3 members match." })).toBeVisible();
  await page.getByLabel("Filter members").fill("nobody-by-this-name");
  await expect(page.getByText("Nobody matches “nobody-by-this-name”.")).toBeVisible();
  await page.getByLabel("Filter members").fill(bob.name);

  // Bob's card, opened by his name from the keyboard.
  await members.getByRole("button", { name: bob.name }).focus();
  await page.keyboard.press("Enter");
  const card = page.getByRole("dialog", { name: bob.name });
  await expect(card).toContainText(bobStatus);
  await expect(card).toContainText("Member");
  await expect(card.getByText("Offline")).toBeVisible();

  // Bob opens the app: the open card and the list say so without a reload.
  const bobPage = await signedInPage(bob);
  await bobPage.goto(channelPath(workspace, workspace.generalChannelId));
  await expect(card.getByText("Online")).toBeVisible();

  // Escape closes the card and gives focus back to the name.
  await page.keyboard.press("Escape");
  await expect(card).toBeHidden();
  await expect(members.getByRole("button", { name: bob.name })).toBeFocused();
  await page.getByLabel("Filter members").fill("");
  await expect(members.getByRole("listitem").nth(1)).toContainText("Online");
  await expect(members.getByRole("listitem").nth(2)).toContainText(carol.name);

  await members.getByRole("button", { name: bob.name }).click();
  await card.getByRole("button", { name: "Message" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${workspace.id}/d/[0-9a-f-]{36}$`));
  await expect(page.getByRole("heading", { name: bob.name, level: 1 })).toBeVisible();
  const conversationId = page.url().split("/").at(-1);
  const same = await bob.api.conversation.open.mutate({
    workspaceId: workspace.id,
    userIds: [ada.id],
  });
  expect(same.id).toBe(conversationId);
});

test("my own card offers my profile instead of a message", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/members`);
  await page.getByRole("list", { name: "Members" }).getByRole("button", { name: ada.name }).click();
  const card = page.getByRole("dialog", { name: ada.name });
  await expect(card).toContainText("Owner");
  await expect(card.getByRole("button", { name: "Message" })).toHaveCount(0);
  await card.getByRole("link", { name: "Edit your profile" }).click();
  await expect(page.getByRole("heading", { name: "Your profile", level: 1 })).toBeVisible();
});

/** Serious and critical WCAG 2.1 A/AA violations, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id}: ${node.target.join(" ")}`),
    );
}

for (const colorScheme of ["light", "dark"] as const) {
  test(`members, a card and the profile page at phone width, ${colorScheme}`, async ({
    makeUser,
    makeWorkspace,
    signedInPage,
  }) => {
    const ada = await makeUser("Ada");
    const bob = await makeUser("Bob");
    const workspace = await makeWorkspace(ada, [bob]);
    await bob.api.user.update.mutate({ status: "A rather long status line that must not spill" });
    const page = await signedInPage(ada, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      colorScheme,
    });
    const fits = async () =>
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );

    await page.goto(`/w/${workspace.id}/members`);
    const members = page.getByRole("list", { name: "Members" });
    await expect(members.getByRole("listitem").first()).toContainText("Online");
    await fits();
    expect(await seriousViolations(page)).toEqual([]);

    await members.getByRole("button", { name: bob.name }).tap();
    await expect(page.getByRole("dialog", { name: bob.name })).toContainText("Member");
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");

    // The drawer holds the way to the profile page.
    await page.getByRole("button", { name: "Open sidebar" }).tap();
    await page.getByRole("link", { name: "Your profile" }).tap();
    await expect(page.getByRole("heading", { name: "Your profile", level: 1 })).toBeVisible();
    await fits();
    expect(await seriousViolations(page)).toEqual([]);
  });
}
