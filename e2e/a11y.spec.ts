/** axe-core on the main screens: no serious or critical WCAG 2.1 A/AA violations. */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import {
  channelPath,
  createChannel,
  expect,
  sendToChannel,
  test,
  type User,
  uniqueTag,
  type Workspace,
  waitForConnected,
} from "./fixtures";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** The serious and critical violations on the page, one readable line per offending node. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) =>
      violation.nodes.map(
        (node) =>
          `[${violation.impact}] ${violation.id}: ${violation.help}\n    at ${node.target.join(" ")}\n    ${node.failureSummary?.replace(/\n/g, "\n    ") ?? ""}`,
      ),
    );
}

async function expectNoSeriousViolations(page: Page) {
  const violations = await seriousViolations(page);
  expect(violations, `axe found on ${page.url()}:\n${violations.join("\n")}`).toEqual([]);
}

test.describe("accessibility", () => {
  let ada: User;
  let workspace: Workspace;
  let channelId: string;

  test.beforeEach(async ({ makeUser, makeWorkspace }) => {
    ada = await makeUser("Ada");
    const bob = await makeUser("Bob");
    workspace = await makeWorkspace(ada, [bob]);
    channelId = (await createChannel(ada, workspace, `a11y-${uniqueTag()}`, { members: [bob] })).id;
    await sendToChannel(ada, channelId, "Hello **world**, see https://example.com");
    await sendToChannel(bob, channelId, "A reply with `code` and a list:\n- one\n- two");
    const reacted = await sendToChannel(ada, channelId, "React to this");
    await bob.api.message.react.mutate({ messageId: reacted.id, emoji: "👍" });
  });

  test("sign-in page", async ({ page }) => {
    await page.goto("/sign-in");
    await expect(page.getByRole("heading", { name: "Sign in to Sequent" })).toBeVisible();
    await expectNoSeriousViolations(page);
    // Also with the error state shown.
    await page.getByLabel("Email").fill(ada.email);
    await page.getByLabel("Password").fill("wrong password here");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong email or password.")).toBeVisible();
    await expectNoSeriousViolations(page);
  });

  test("channel view", async ({ signedInPage }) => {
    const page = await signedInPage(ada);
    await page.goto(channelPath(workspace, channelId));
    await expect(page.getByRole("article").filter({ hasText: "React to this" })).toBeVisible();
    await waitForConnected(page);
    await expectNoSeriousViolations(page);
  });

  test("channel settings", async ({ signedInPage }) => {
    const page = await signedInPage(ada);
    await page.goto(`${channelPath(workspace, channelId)}/settings`);
    await expect(page.getByRole("heading", { name: "Channel settings", level: 1 })).toBeVisible();
    await expectNoSeriousViolations(page);
  });

  test("workspace settings", async ({ signedInPage }) => {
    const page = await signedInPage(ada);
    await page.goto(`/w/${workspace.id}/settings`);
    await expect(page.getByRole("heading", { name: "Workspace settings", level: 1 })).toBeVisible();
    await expectNoSeriousViolations(page);
  });
});
