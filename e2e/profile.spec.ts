/**
 * Your profile: a new name and status reach the other members live (their
 * members page changes without a reload); the server's refusals show beside
 * the field; a changed password is the one that signs in, and "sign out of
 * every other session" ends the others.
 */
import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "../server/routers/_app";
import { signIn } from "../testing/http";
import { expect, test, uniqueTag } from "./fixtures";

test("a new name and status reach another member's members page live", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const tag = uniqueTag();
  const newName = `Countess Lovelace ${tag}`;
  const newStatus = `Writing notes on the engine ${tag}`;

  const [adaPage, bobPage] = await Promise.all([signedInPage(ada), signedInPage(bob)]);
  await bobPage.goto(`/w/${workspace.id}/members`);
  const members = bobPage.getByRole("list", { name: "Members" });
  await expect(members.getByRole("button", { name: ada.name })).toBeVisible();
  // Bob shows as online once his tab's stream is up: from then on it hears every change.
  await expect(
    members.getByRole("listitem").filter({ hasText: "(you)" }).getByText("Online"),
  ).toBeVisible();

  // Ada reaches her profile from the sidebar by its name.
  await adaPage.goto(`/w/${workspace.id}/members`);
  await adaPage
    .getByRole("complementary", { name: "Sidebar" })
    .getByRole("link", { name: "Your profile" })
    .click();
  await expect(adaPage.getByRole("heading", { name: "Your profile", level: 1 })).toBeVisible();

  // The server's refusal is shown beside the field it is about.
  const nameField = adaPage.getByLabel("Display name");
  await expect(nameField).toHaveValue(ada.name);
  await nameField.fill("   ");
  await adaPage.getByRole("button", { name: "Save profile" }).click();
  await expect(nameField).toHaveAttribute("aria-invalid", "true");
  await expect(nameField).toHaveAccessibleDescription("Display name must not be empty.");

  await nameField.fill(newName);
  await adaPage.getByRole("textbox", { name: "Status" }).fill(newStatus);
  await adaPage.getByRole("button", { name: "Save profile" }).click();
  await expect(adaPage.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();
  await expect(nameField).not.toHaveAttribute("aria-invalid");
  // Her own sidebar shows the new name too.
  await expect(
    adaPage.getByRole("complementary", { name: "Sidebar" }).getByText(newName, { exact: true }),
  ).toBeVisible();

  // Bob's members page has changed without a reload: name, status, and the card.
  const adaRow = members.getByRole("listitem").filter({ hasText: newName });
  await expect(adaRow.getByRole("button", { name: newName })).toBeVisible();
  await expect(adaRow).toContainText(newStatus);
  await expect(members.getByRole("button", { name: ada.name, exact: true })).toHaveCount(0);
  await adaRow.getByRole("button", { name: newName }).click();
  const card = bobPage.getByRole("dialog", { name: newName });
  await expect(card).toContainText(newStatus);
  await expect(card).toContainText("Owner");

  const stored = await bob.api.user.profile.query({ workspaceId: workspace.id, userId: ada.id });
  expect(stored).toMatchObject({ name: newName, status: newStatus });
});

test("change the password, end the other sessions, and sign in with the new one", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  baseURL,
}) => {
  const grace = await makeUser("Grace");
  const workspace = await makeWorkspace(grace);
  const newPassword = `analytical engine ${uniqueTag()}`;
  // A second session of Grace's, elsewhere.
  const otherCookie = await signIn(baseURL as string, grace.email, grace.password);
  const elsewhere = createTRPCClient<AppRouter>({
    links: [
      httpLink({ url: new URL("/api/trpc", baseURL).href, headers: { cookie: otherCookie } }),
    ],
  });
  expect((await elsewhere.user.me.query()).id).toBe(grace.id);

  const page = await signedInPage(grace);
  await page.goto(`/w/${workspace.id}/profile`);
  const current = page.getByLabel("Current password");
  const next = page.getByLabel("New password", { exact: true });
  const confirm = page.getByLabel("Confirm new password");
  const change = page.getByRole("button", { name: "Change password" });
  // The rules the server enforces are the field's help text.
  await expect(next).toHaveAccessibleDescription(/At least 10 characters/);

  // Two different new passwords are caught before anything is sent.
  await current.fill(grace.password);
  await next.fill(newPassword);
  await confirm.fill(`${newPassword}!`);
  await change.click();
  await expect(confirm).toHaveAccessibleDescription("The two new passwords do not match.");

  // A wrong current password: the server's answer, beside that field.
  await current.fill("not my password at all");
  await confirm.fill(newPassword);
  await change.click();
  await expect(current).toHaveAccessibleDescription("This is not your current password.");

  // A weak new password: the server's rule, beside that field.
  await current.fill(grace.password);
  await next.fill("short");
  await confirm.fill("short");
  await change.click();
  await expect(next).toHaveAccessibleDescription("New password must be at least 10 characters.");

  await next.fill(newPassword);
  await confirm.fill(newPassword);
  await page.getByRole("checkbox", { name: "Sign out of every other session" }).check();
  await change.click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed." })).toContainText(
    "1 other session was signed out.",
  );
  await expect(current).toHaveValue("");

  // The other session is over; this one is not.
  await expect(elsewhere.user.me.query()).rejects.toThrow();
  expect((await grace.api.user.me.query()).id).toBe(grace.id);

  // Sign out, then in: the old password no longer works, the new one does.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Sequent" })).toBeVisible();
  await page.getByLabel("Email").fill(grace.email);
  await page.getByLabel("Password").fill(grace.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await page.getByLabel("Password").fill(newPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
});

test("sign out everywhere asks first, then ends this session too", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/profile`);

  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  const dialog = page.getByRole("dialog", { name: "Sign out everywhere?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect((await ada.api.user.me.query()).id).toBe(ada.id);

  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await dialog.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(ada.api.user.me.query()).rejects.toThrow();
  await page.goto(`/w/${workspace.id}/profile`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});
