/**
 * Email invitations end to end: an owner invites several addresses at once
 * (one result line each) and revokes one; the invitee signs up with the
 * invited address, finds the invitations on the welcome page, declines one
 * and accepts the other, and is in that workspace.
 */

import { expect, PASSWORD, test, uniqueTag } from "./fixtures";
import { hasMailbox, linkIn, waitForMail } from "./mailbox";

test("invite by email, sign up with that address, accept, and be in the workspace", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  page,
}) => {
  const ada = await makeUser("Ada");
  const carol = await makeUser("Carol");
  const workspace = await makeWorkspace(ada);
  const other = await makeWorkspace(carol);
  const tag = uniqueTag();
  const invitee = `invitee-${tag}@example.com`;
  const mistaken = `mistaken-${tag}@example.com`;

  // Ada invites three addresses at once, one of them malformed.
  const adaPage = await signedInPage(ada);
  await adaPage.goto(`/w/${workspace.id}/settings`);
  const section = adaPage.getByRole("region", { name: "Email invitations" });
  const form = section.getByRole("form", { name: "Invite by email" });
  await form
    .getByLabel("Email addresses")
    .fill(`${invitee.toUpperCase()}, not-an-address\n${mistaken}`);
  await form.getByRole("button", { name: "Send invitations" }).click();
  await expect(form.getByRole("status")).toHaveText("2 invitations created, 1 not sent.");
  const results = form.getByRole("list", { name: "Invitation results" }).getByRole("listitem");
  await expect(results).toHaveCount(3);
  await expect(results.nth(0)).toContainText(`${invitee}Invited`);
  await expect(results.nth(1)).toContainText("not-an-addressNot sent");
  await expect(results.nth(2)).toContainText(`${mistaken}Invited`);
  // What failed stays in the box, to correct.
  await expect(form.getByLabel("Email addresses")).toHaveValue("not-an-address");

  // Both valid ones are pending; Ada revokes the mistaken one.
  const pending = section.getByRole("table");
  await expect(pending.getByRole("row", { name: new RegExp(invitee) })).toBeVisible();
  await pending.getByRole("button", { name: `Revoke invitation for ${mistaken}` }).click();
  await expect(pending.getByRole("row", { name: new RegExp(mistaken) })).toHaveCount(0);
  await expect(pending.getByRole("row", { name: new RegExp(invitee) })).toBeVisible();

  // Another workspace invites the same address through the API.
  await carol.api.workspace.addMember.mutate({ workspaceId: other.id, email: invitee });

  // The invitee signs up with the invited address and lands on the welcome page.
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(`Invitee ${tag}`);
  await page.getByLabel("Email").fill(invitee);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/welcome$/);
  // With mail configured, invitations show once the address is confirmed through the mailed link.
  if (hasMailbox()) {
    await expect(page.getByRole("region", { name: "Confirm your address" })).toBeVisible();
    const confirmation = await waitForMail(invitee, "Confirm your email address");
    await page.goto(linkIn(confirmation, "/verify-email?token="));
    await expect(
      page.getByRole("status").filter({ hasText: `${invitee} is confirmed.` }),
    ).toBeVisible();
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/welcome$/);
  }
  const invitations = page.getByRole("region", { name: "Invitations" });
  await expect(invitations.getByRole("listitem")).toHaveCount(2);
  await expect(invitations.getByRole("listitem").filter({ hasText: workspace.name })).toContainText(
    `${ada.name} invited you.`,
  );

  await invitations.getByRole("button", { name: `Decline invitation to ${other.name}` }).click();
  await expect(invitations.getByRole("status")).toHaveText(
    `You declined the invitation to ${other.name}.`,
  );
  await expect(invitations.getByRole("listitem")).toHaveCount(1);

  await invitations.getByRole("button", { name: `Accept invitation to ${workspace.name}` }).click();
  await expect(page.getByRole("heading", { name: "#general", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/w/${workspace.id}/c/${workspace.generalChannelId}$`));
  await expect(page.getByLabel("Switch workspace").locator("option:checked")).toHaveText(
    workspace.name,
  );

  const members = await ada.api.workspace.members.query({ workspaceId: workspace.id });
  expect(members.map((member) => member.email)).toContain(invitee);
  expect(await ada.api.workspace.listInvitations.query({ workspaceId: workspace.id })).toEqual([]);
  const carolsMembers = await carol.api.workspace.members.query({ workspaceId: other.id });
  expect(carolsMembers.map((member) => member.email)).not.toContain(invitee);
});
