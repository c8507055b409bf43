/**
 * Long history: 500 messages, of which the page renders the newest 50.
 * Scrolling up loads older pages in order until the very first message;
 * "Jump to latest" brings the newest back.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import {
  channelPath,
  expect,
  renderedMessages,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

const TOTAL = 500;
const BATCH = 25;

/** The rendered rows are consecutive sequences in ascending order, each with its own body. */
async function expectContiguousRun(page: Page, bodyOf: Map<number, string>) {
  const rows = await renderedMessages(page);
  expect(rows.length).toBeGreaterThan(0);
  rows.forEach((row, index) => {
    if (index > 0) expect(row.sequence).toBe((rows[index - 1]?.sequence ?? 0) + 1);
    expect(row.text).toContain(bodyOf.get(row.sequence));
  });
  return rows;
}

test("scrolling up loads older pages in order down to the first message", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  test.slow();
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const channelId = workspace.generalChannelId;
  const tag = uniqueTag();

  // Seed in parallel batches; the server assigns the order, so remember which body got which sequence.
  // (Zero-padded numbers: no body is a prefix of another.)
  const bodyOf = new Map<number, string>();
  for (let start = 0; start < TOTAL; start += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: BATCH }, (_, i) =>
        ada.api.message.send.mutate({
          channelId,
          body: `history ${tag} m${String(start + i).padStart(3, "0")}`,
          clientMessageId: randomUUID(),
        }),
      ),
    );
    for (const message of batch) bodyOf.set(message.sequence, message.body);
  }
  expect([...bodyOf.keys()].sort((a, b) => a - b)).toEqual(
    Array.from({ length: TOTAL }, (_, i) => i + 1),
  );

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, channelId));
  await waitForConnected(page);
  const newest = page.getByRole("article").filter({ hasText: bodyOf.get(TOTAL) as string });
  await expect(newest).toBeVisible();
  const first = await expectContiguousRun(page, bodyOf);
  expect(first.at(-1)?.sequence).toBe(TOTAL);

  // Scroll up until the first message is on screen, checking every step's run.
  const beginning = page.getByText("This is the very beginning of the conversation.");
  const earliest = page.getByRole("article").filter({ hasText: bodyOf.get(1) as string });
  const list = page.locator("#main");
  let lowest = first[0]?.sequence ?? TOTAL;
  await list.hover();
  await expect(async () => {
    await page.mouse.wheel(0, -4000);
    await expect(page.getByRole("feed")).toHaveAttribute("aria-busy", "false");
    const rows = await expectContiguousRun(page, bodyOf);
    const top = rows[0]?.sequence ?? lowest;
    expect(top).toBeLessThanOrEqual(lowest);
    lowest = top;
    await expect(beginning).toBeVisible({ timeout: 500 });
    await expect(earliest).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 90_000 });
  expect(lowest).toBe(1);
  await expect(page.getByRole("button", { name: "Load older messages" })).toHaveCount(0);

  // Back to the newest in one step.
  await page.getByRole("button", { name: "Jump to latest" }).click();
  await expect(newest).toBeVisible();
  await expect(newest).toBeInViewport();
  await expect(page.getByRole("button", { name: "Jump to latest" })).toHaveCount(0);
  const last = await expectContiguousRun(page, bodyOf);
  expect(last.at(-1)?.sequence).toBe(TOTAL);
});
