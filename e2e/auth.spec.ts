/** Signing up, starting a workspace, signing out and in again — all through the UI. */
import { expect, PASSWORD, test, uniqueTag } from "./fixtures";

test("sign up, create a workspace, sign out and sign back in", async ({ page }) => {
  const tag = uniqueTag();
  const email = `ui-${tag}@example.com`;

  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(`Ada ${tag}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();

  // A new account has no workspace yet: it lands on /welcome.
  await expect(page).toHaveURL(/\/welcome$/);
  await expect(page.getByRole("heading", { name: `Welcome, Ada ${tag}` })).toBeVisible();
  await page.getByLabel("Workspace name").fill(`Analytical Engines ${tag}`);
  await page.getByRole("button", { name: "Create workspace" }).click();

  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/w\/[0-9a-f-]{36}\/c\/[0-9a-f-]{36}$/);
  const channelUrl = page.url();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "Sign in to Sequent" })).toBeVisible();

  // Signed out means signed out: the workspace sends us back to sign in.
  await page.goto(channelUrl);
  await expect(page).toHaveURL(/\/sign-in\?next=/);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await expect(page.getByLabel("Switch workspace").locator("option:checked")).toHaveText(
    `Analytical Engines ${tag}`,
  );
});

test("a wrong password is reported beside the password field", async ({ page, makeUser }) => {
  const user = await makeUser("Grace");

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill("not the right password");
  await page.getByRole("button", { name: "Sign in" }).click();

  const password = page.getByLabel("Password");
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAccessibleDescription("Wrong email or password.");
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  // The email is kept; we are still on the sign-in page, not signed in.
  await expect(page.getByLabel("Email")).toHaveValue(user.email);
  await expect(page).toHaveURL(/\/sign-in/);
});
