import { expect, test } from "@playwright/test";

test("the app answers with its home page", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sequent" })).toBeVisible();
});
