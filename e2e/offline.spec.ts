/**
 * Offline and back: nothing lost, nothing doubled. A reader who was offline
 * catches up on everything in order without a reload, and a message written
 * offline waits in the outbox (also across a reload) and is stored once.
 */
import { randomUUID } from "node:crypto";
import {
  channelPath,
  composer,
  connectionStatus,
  deliveredMessage,
  expect,
  feed,
  messageArticle,
  renderedMessages,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

test("a reader who was offline gets all 20 messages in order, once each, without a reload", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  cuttableLink,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  const tag = uniqueTag();

  // Tall enough that the virtualised list renders all 20 at once.
  const bobPage = await signedInPage(bob, {
    viewport: { width: 1280, height: 1600 },
    baseURL: cuttableLink.url,
  });
  await bobPage.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(bobPage);
  await bobPage.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });

  // Offline, and the open event stream dropped with it (as a real network loss would).
  await bobPage.context().setOffline(true);
  cuttableLink.cut();
  await expect(connectionStatus(bobPage)).toHaveText(/Reconnecting…$/);

  const bodies = Array.from(
    { length: 20 },
    (_, i) => `offline ${tag} #${String(i + 1).padStart(2, "0")}`,
  );
  const sent = [];
  for (const body of bodies) {
    sent.push(
      await ada.api.message.send.mutate({
        channelId: workspace.generalChannelId,
        body,
        clientMessageId: randomUUID(),
      }),
    );
  }
  // While offline none of them can have arrived.
  expect((await renderedMessages(bobPage)).filter((m) => m.text.includes(tag))).toEqual([]);

  cuttableLink.restore();
  await bobPage.context().setOffline(false);
  const expected = sent.map((message) => ({ sequence: message.sequence, body: message.body }));
  await expect
    .poll(
      async () =>
        (await renderedMessages(bobPage)).flatMap((message) => {
          const body = bodies.find((candidate) => message.text.includes(candidate));
          return body ? [{ sequence: message.sequence, body }] : [];
        }),
      { timeout: 20_000 },
    )
    .toEqual(expected);
  // Sequences are the stored ones, ascending; each body exactly once.
  for (const body of bodies) await expect(messageArticle(bobPage, body)).toHaveCount(1);
  await waitForConnected(bobPage);
  expect(
    await bobPage.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
  ).toBe(true);
});

test("a message written offline waits, survives a reload and is stored exactly once", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const body = `written offline ${uniqueTag()}`;
  const storedCopies = async () =>
    (
      await ada.api.message.list.query({ channelId: workspace.generalChannelId, limit: 100 })
    ).filter((message) => message.body === body).length;

  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);

  // The API is unreachable from the page (the page itself can still load).
  await page.route("**/api/trpc/**", (route) => route.abort("internetdisconnected"));
  await page.context().setOffline(true);

  await composer(page, "Message #general").fill(body);
  await composer(page, "Message #general").press("Enter");
  const pending = feed(page).getByRole("article", { name: `${ada.name}, sending` });
  await expect(pending).toContainText(body);
  await expect(pending).toContainText(/Waiting to send…|Sending…/);
  expect(await storedCopies()).toBe(0);

  // Back online for the page, but the API still fails: reload while the outbox cannot send.
  await page.context().setOffline(false);
  await page.reload();
  await expect(pending).toContainText(body);
  await expect(pending).toContainText(/Waiting to send…|Sending…/);
  expect(await storedCopies()).toBe(0);

  // The API comes back: the outbox delivers it, once.
  await page.unroute("**/api/trpc/**");
  await expect(pending).toHaveCount(0, { timeout: 30_000 });
  await expect(messageArticle(page, body)).toHaveCount(1);
  await expect(deliveredMessage(page, body)).toHaveAccessibleName(new RegExp(`^${ada.name}, `));
  await expect.poll(storedCopies).toBe(1);

  // A reload shows it once, with nothing left waiting.
  await page.reload();
  await waitForConnected(page);
  await expect(messageArticle(page, body)).toHaveCount(1);
  await expect(pending).toHaveCount(0);
  expect(await storedCopies()).toBe(1);
});
