/**
 * Mail end to end, read from the SMTP server the suite runs (e2e/mailbox.ts):
 * a forgotten password reset through the mailed link, and an invitation by
 * email that a new person follows through sign-up into the workspace.
 */

import { expect, PASSWORD, test, uniqueTag } from "./fixtures";
import { hasMailbox, linkIn, waitForMail } from "./mailbox";

test.skip(!hasMailbox(), "needs the suite's own server and its SMTP mailbox");

test("reset a forgotten password through the mailed link", async ({ makeUser, page }) => {
  const ada = await makeUser("Ada");
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Email").fill(ada.email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "If an account uses this address" }),
  ).toBeVisible();

  const mail = await waitForMail(ada.email, "Reset your Sequent password");
  await page.goto(linkIn(mail, "/reset-password?token="));
  const newPassword = `a fresh passphrase ${uniqueTag()}`;
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: "Your password is changed" }),
  ).toBeVisible();

  // The link worked once; the old password is gone; the new one signs in.
  await page.getByRole("link", { name: "Sign in with your new password" }).click();
  await expect(page.getByLabel("Email")).toHaveValue(ada.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
  await page.getByLabel("Password").fill(newPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/welcome$/);

  await page.goto(linkIn(mail, "/reset-password?token="));
  await page.getByLabel("New password").fill(`another passphrase ${uniqueTag()}`);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "not valid any more" })).toBeVisible();
});

test("invite by email from settings; the invitee joins through the mailed link", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  page,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const invitee = `newcomer-${uniqueTag()}@example.com`;

  const adaPage = await signedInPage(ada);
  await adaPage.goto(`/w/${workspace.id}/settings`);
  const form = adaPage
    .getByRole("region", { name: "Email invitations" })
    .getByRole("form", { name: "Invite by email" });
  await form.getByLabel("Email addresses").fill(invitee);
  await form.getByRole("button", { name: "Send invitations" }).click();
  await expect(form.getByRole("status")).toHaveText("1 invitation created.");

  const mail = await waitForMail(invitee, `${ada.name} invited you to ${workspace.name}`);
  await page.goto(linkIn(mail, "/invitations/"));
  await expect(page.getByRole("heading", { name: `Join ${workspace.name}` })).toBeVisible();
  await page.getByRole("link", { name: `Create an account with ${invitee}` }).click();
  await expect(
    page.getByRole("heading", { name: `Create your account to join ${workspace.name}` }),
  ).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(invitee);
  await page.getByLabel("Name").fill("Newcomer");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();

  // Back on the invitation, signed in with the invited address: one click joins.
  await page.getByRole("button", { name: `Join ${workspace.name}` }).click();
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/w/${workspace.id}/c/${workspace.generalChannelId}$`));
  const members = await ada.api.workspace.members.query({ workspaceId: workspace.id });
  expect(members.map((member) => member.email)).toContain(invitee);
});
