/**
 * Channel settings: who may notify everyone with @channel and @here. Its
 * admins choose it on the settings page, by label; a member sees the
 * choice but cannot change it, and their @channel is refused.
 */
import { randomUUID } from "node:crypto";
import { channelPath, createChannel, expect, test } from "./fixtures";

test("admins choose who can use @channel and @here; members see it and are held to it", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const { id: channelId } = await createChannel(ada, workspace, "announcements", {
    members: [bob],
  });

  const adaPage = await signedInPage(ada);
  await adaPage.goto(`${channelPath(workspace, channelId)}/settings`);
  const policy = adaPage.getByRole("group", { name: "Who can use @channel and @here" });
  const everyone = policy.getByRole("radio", { name: "Everyone in #announcements" });
  const admins = policy.getByRole("radio", {
    name: "Only admins of #announcements and workspace owners and admins",
  });
  await expect(everyone).toBeChecked();
  await admins.check();
  await expect(adaPage.getByText("Who can notify everyone is saved.")).toBeVisible();
  await expect(admins).toBeChecked();
  expect((await ada.api.channel.get.query({ channelId })).broadcast).toBe("admins");
  // It stays so after a reload: read back from the server.
  await adaPage.reload();
  await expect(admins).toBeChecked();

  const bobPage = await signedInPage(bob);
  await bobPage.goto(`${channelPath(workspace, channelId)}/settings`);
  const bobsPolicy = bobPage.getByRole("group", { name: "Who can use @channel and @here" });
  await expect(
    bobsPolicy.getByRole("radio", {
      name: "Only admins of #announcements and workspace owners and admins",
    }),
  ).toBeChecked();
  for (const radio of await bobsPolicy.getByRole("radio").all()) await expect(radio).toBeDisabled();
  await expect(bobsPolicy).toHaveAccessibleDescription(
    "Only admins of #announcements and workspace owners and admins can change this.",
  );
  await expect(
    bob.api.message.send.mutate({
      channelId,
      body: "<!channel> hello",
      clientMessageId: randomUUID(),
    }),
  ).rejects.toThrow("Only admins of #announcements can notify everyone");
});
