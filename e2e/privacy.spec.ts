/** A private channel does not exist for people outside it: not listed, not browsable, not reachable. */
import { channelPath, createChannel, expect, sidebarNav, test, uniqueTag } from "./fixtures";

test("a private channel is invisible to a workspace member who is not in it", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const carol = await makeUser("Carol");
  const workspace = await makeWorkspace(ada, [bob, carol]);
  const tag = uniqueTag();
  const secret = await createChannel(ada, workspace, `secret-${tag}`, {
    isPrivate: true,
    members: [carol],
  });
  // A public channel Bob has not joined either: the browser must list it, so the checks below are not vacuous.
  const open = await createChannel(ada, workspace, `open-${tag}`);

  // A member of the private channel sees it (the control for the checks below).
  const carolPage = await signedInPage(carol);
  await carolPage.goto(`/w/${workspace.id}/browse`);
  await expect(carolPage.getByRole("heading", { name: "Browse channels" })).toBeVisible();
  const carolChannels = carolPage.getByRole("list", { name: "Channels" });
  await expect(carolChannels.getByRole("listitem").filter({ hasText: secret.name })).toBeVisible();
  await expect(
    sidebarNav(carolPage).getByRole("link", { name: new RegExp(secret.name) }),
  ).toBeVisible();

  const bobPage = await signedInPage(bob);

  // Not in the channel browser, though the public channel is.
  await bobPage.goto(`/w/${workspace.id}/browse`);
  const channels = bobPage.getByRole("list", { name: "Channels" });
  await expect(channels.getByRole("button", { name: `Join #${open.name}` })).toBeVisible();
  await expect(channels.getByRole("listitem").filter({ hasText: "general" })).toBeVisible();
  await expect(channels.getByText(secret.name)).toHaveCount(0);
  await bobPage.getByRole("searchbox").fill("secret");
  await expect(bobPage.getByText(/No channel matches/)).toBeVisible();

  // Not in the sidebar.
  const nav = sidebarNav(bobPage);
  await expect(nav.getByRole("link", { name: /^general\b/ })).toBeVisible();
  await expect(nav.getByText(secret.name)).toHaveCount(0);

  // Its address shows "not found", with nothing of the channel on the page.
  const response = await bobPage.goto(channelPath(workspace, secret.id));
  await expect(bobPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(bobPage.getByText(secret.name)).toHaveCount(0);
  expect(await bobPage.title()).not.toContain(secret.name);
  expect(response?.status()).toBe(404);

  // The API agrees: NOT_FOUND, and absent from the list.
  await expect(bob.api.channel.get.query({ channelId: secret.id })).rejects.toThrow(
    "Channel not found.",
  );
  const listed = await bob.api.channel.list.query({ workspaceId: workspace.id });
  expect(listed.map((channel) => channel.id)).not.toContain(secret.id);
});
