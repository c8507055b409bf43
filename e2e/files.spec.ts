/**
 * Files end to end: a screenshot pasted and a PDF dropped into a channel
 * (each with its progress bar), the teammate seeing the thumbnail and the
 * card arrive live and opening both, an outsider refused the same URLs, and
 * an uploaded SVG with script and an HTML file that never run on our origin.
 * Also: a profile picture beside messages.
 */
import type { Page } from "@playwright/test";
import {
  channelPath,
  composer,
  deliveredMessage,
  expect,
  test,
  uniqueTag,
  waitForConnected,
} from "./fixtures";

/** A PNG made in the page (a "screenshot"), pasted into the message box as the clipboard would. */
async function pasteScreenshot(page: Page, box: string) {
  await composer(page, box).evaluate(async (textarea) => {
    const canvas = document.createElement("canvas");
    canvas.width = 800;
    canvas.height = 500;
    const context = canvas.getContext("2d") as CanvasRenderingContext2D;
    context.fillStyle = "#2563eb";
    context.fillRect(0, 0, 800, 500);
    context.fillStyle = "#ffffff";
    context.fillRect(100, 100, 300, 200);
    const blob = await new Promise<Blob>((resolve) =>
      canvas.toBlob((b) => resolve(b as Blob), "image/png"),
    );
    const data = new DataTransfer();
    data.items.add(new File([blob], "image.png", { type: "image/png" }));
    textarea.dispatchEvent(
      new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
    );
  });
}

const PDF =
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/** Drops a file on the message form, as dragging it from the desktop does. */
async function dropFile(page: Page, form: string, name: string, type: string, text: string) {
  await page.getByRole("form", { name: form }).evaluate(
    (element, file) => {
      const data = new DataTransfer();
      data.items.add(new File([file.text], file.name, { type: file.type }));
      for (const kind of ["dragenter", "dragover", "drop"])
        element.dispatchEvent(
          new DragEvent(kind, { dataTransfer: data, bubbles: true, cancelable: true }),
        );
    },
    { name, type, text },
  );
}

test("a pasted screenshot and a dropped PDF reach the teammate live; both open; outsiders are refused", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
  browser,
  baseURL,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const outsider = await makeUser("Outsider");
  const workspace = await makeWorkspace(ada, [bob]);
  const path = channelPath(workspace, workspace.generalChannelId);
  const adaPage = await signedInPage(ada);
  const bobPage = await signedInPage(bob);
  await Promise.all([adaPage.goto(path), bobPage.goto(path)]);
  await Promise.all([waitForConnected(adaPage), waitForConnected(bobPage)]);

  const tag = uniqueTag();
  await pasteScreenshot(adaPage, "Message #general");
  await dropFile(adaPage, "Send a message", `report-${tag}.pdf`, "application/pdf", PDF);
  const attached = adaPage.getByRole("list", { name: "Attached files" });
  await expect(attached.getByRole("listitem")).toHaveCount(2);
  await expect(attached.getByRole("progressbar")).toHaveCount(2);
  await expect(
    attached.getByRole("listitem", { name: /^Pasted image .*\.png, Uploaded$/ }),
  ).toBeVisible();
  await expect(
    attached.getByRole("listitem", { name: `report-${tag}.pdf, Uploaded` }),
  ).toBeVisible();
  await composer(adaPage, "Message #general").fill(`The screenshot and the report ${tag}`);
  await composer(adaPage, "Message #general").press("Enter");
  await expect(attached).toHaveCount(0);

  // Bob sees both arrive live: the thumbnail (sized before it loads) and the card.
  const message = deliveredMessage(bobPage, `The screenshot and the report ${tag}`);
  const image = message.getByRole("button", { name: /^Open image Pasted image .*\.png$/ });
  await expect(image).toBeVisible();
  const thumbnail = image.getByRole("img");
  await expect(thumbnail).toHaveAttribute("width", "360");
  await expect(thumbnail).toHaveAttribute("height", "225");
  await expect
    .poll(() => thumbnail.evaluate((img) => (img as HTMLImageElement).naturalWidth))
    .toBeGreaterThan(0);
  const card = message.getByRole("link", {
    name: `Download report-${tag}.pdf, PDF, ${PDF.length} bytes`,
  });
  await expect(card).toBeVisible();

  // The image opens full size.
  await image.click();
  const dialog = bobPage.getByRole("dialog");
  const full = dialog.getByRole("img");
  await expect.poll(() => full.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(800);
  await dialog.getByRole("button", { name: "Close" }).click();

  // The PDF opens as a download with its name and bytes.
  const download = bobPage.waitForEvent("download");
  await card.click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`report-${tag}.pdf`);
  const stream = await file.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).toString()).toBe(PDF);

  // Someone outside the workspace asking for the same URLs is refused; so is nobody.
  const urls = [
    (await card.getAttribute("href")) as string,
    (await thumbnail.getAttribute("src")) as string,
  ];
  const outsiderPage = await signedInPage(outsider);
  const anonymous = await browser.newContext({ baseURL });
  for (const url of urls) {
    expect((await outsiderPage.request.get(url)).status()).toBe(404);
    expect((await anonymous.request.get(url)).status()).toBe(401);
    expect((await bobPage.request.get(url)).status()).toBe(200);
  }
  await anonymous.close();
});

test("an uploaded SVG with script and an HTML file never run on our origin", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const workspace = await makeWorkspace(ada);
  const page = await signedInPage(ada);
  await page.goto(channelPath(workspace, workspace.generalChannelId));
  await waitForConnected(page);
  const ran: string[] = [];
  page.on("dialog", (dialog) => {
    ran.push(dialog.message());
    void dialog.dismiss();
  });

  const tag = uniqueTag();
  await dropFile(
    page,
    "Send a message",
    `drawing-${tag}.svg`,
    "image/svg+xml",
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert("svg ran")</script><rect width="100" height="100"/></svg>',
  );
  await dropFile(
    page,
    "Send a message",
    `page-${tag}.html`,
    "text/html",
    '<!doctype html><html><body><script>alert("html ran"); document.title = "pwned"</script></body></html>',
  );
  const attached = page.getByRole("list", { name: "Attached files" });
  await expect(
    attached.getByRole("listitem", { name: `drawing-${tag}.svg, Uploaded` }),
  ).toBeVisible();
  await expect(
    attached.getByRole("listitem", { name: `page-${tag}.html, Uploaded` }),
  ).toBeVisible();
  await composer(page, "Message #general").press("Enter");
  // Neither shows inline: both are cards that download.
  const sent = deliveredMessage(page, `drawing-${tag}.svg`);
  await expect(sent.getByRole("img")).toHaveCount(0);
  const svgCard = sent.getByRole("link", {
    name: new RegExp(`^Download drawing-${tag}\\.svg, SVG image`),
  });
  const card = sent.getByRole("link", { name: new RegExp(`^Download page-${tag}\\.html, HTML`) });
  await expect(svgCard).toBeVisible();
  await expect(card).toBeVisible();
  const url = (await card.getAttribute("href")) as string;
  const svgUrl = (await svgCard.getAttribute("href")) as string;

  // Served as opaque bytes to download, sandboxed, never sniffed.
  const response = await page.request.get(url);
  expect(response.headers()["content-type"]).toBe("application/octet-stream");
  expect(response.headers()["content-disposition"]).toMatch(/^attachment;/);
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
  expect(response.headers()["content-security-policy"]).toContain("sandbox");

  // Opening it in the browser downloads it instead of running it.
  const download = page.waitForEvent("download");
  await page.goto(url).catch(() => {});
  expect((await download).suggestedFilename()).toBe(`page-${tag}.html`);
  expect(await page.title()).not.toBe("pwned");

  // So does the SVG, whose script never runs either.
  const svgResponse = await page.request.get(svgUrl);
  expect(svgResponse.headers()["content-type"]).toBe("application/octet-stream");
  const svgDownload = page.waitForEvent("download");
  await page.goto(svgUrl).catch(() => {});
  expect((await svgDownload).suggestedFilename()).toBe(`drawing-${tag}.svg`);

  // A client that says an SVG is a PNG is refused outright.
  const disguised = await page.request.post(
    `/api/files?workspaceId=${workspace.id}&name=${encodeURIComponent(`cat-${tag}.png`)}`,
    {
      data: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert("raw svg ran")</script></svg>',
      headers: { "content-type": "image/png" },
    },
  );
  expect(disguised.status()).toBe(400);
  expect(ran).toEqual([]);
});

test("a profile picture shows beside messages instead of initials", async ({
  makeUser,
  makeWorkspace,
  signedInPage,
}) => {
  const ada = await makeUser("Ada");
  const bob = await makeUser("Bob");
  const workspace = await makeWorkspace(ada, [bob]);
  await ada.api.message.send.mutate({
    channelId: workspace.generalChannelId,
    body: `hello from Ada ${uniqueTag()}`,
    clientMessageId: crypto.randomUUID(),
  });
  const page = await signedInPage(ada);
  await page.goto(`/w/${workspace.id}/profile`);
  const png = await page.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 400;
    canvas.height = 300;
    const context = canvas.getContext("2d") as CanvasRenderingContext2D;
    context.fillStyle = "#16a34a";
    context.fillRect(0, 0, 400, 300);
    return canvas.toDataURL("image/png");
  });
  await page.getByLabel("Choose a picture").setInputFiles({
    name: "me.png",
    mimeType: "image/png",
    buffer: Buffer.from(png.split(",")[1] as string, "base64"),
  });
  await expect(page.getByRole("status").filter({ hasText: "Picture saved." })).toBeVisible();

  const bobPage = await signedInPage(bob);
  await bobPage.goto(channelPath(workspace, workspace.generalChannelId));
  const avatar = deliveredMessage(bobPage, "hello from Ada").locator("header img");
  await expect(avatar).toBeVisible();
  await expect
    .poll(() => avatar.evaluate((img) => (img as HTMLImageElement).naturalWidth))
    .toBe(256);
});
