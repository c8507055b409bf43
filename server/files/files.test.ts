/**
 * Files end to end in-process, against a real PostgreSQL and the disk
 * storage (a scratch folder, see vitest.config.ts): uploads in one request
 * (raw and multipart) and in two steps, types from the bytes, thumbnails and
 * dimensions, claims, limits and the quota, attaching through message.send
 * (once), reading exactly as the message is read, the headers that keep
 * served files from running, deletion with the message, and the sweep of
 * uploads no message took.
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { eq, sql } from "drizzle-orm";
import sharp from "sharp";
import { beforeAll, describe, expect, test } from "vitest";
import { files, messageFiles, messages, workspaces } from "@/db/schema";
import { env } from "@/lib/env";
import { newUser, newWorkspace, type TestUser } from "@/testing/api";
import { testDatabase } from "@/testing/db";
import { getAvatar, getFile, postAvatar, postFile, putFile } from "./http";
import { storage } from "./storage";
import { expireUnattached, UNATTACHED_TTL_MS } from "./write";

const { db } = testDatabase("pg", 20);
const noSession = async () => null;
const options = { db, session: noSession };
const ORIGIN = "http://127.0.0.1:3000";

interface Person extends TestUser {
  token: string;
}

async function person(name: string): Promise<Person> {
  const user = await newUser(db, name);
  const { token } = await user.api.token.create({ name: "files test" });
  return { ...user, token };
}

/** Bytes as a request body (fetch's types want an ArrayBuffer-backed view). */
const asBody = (bytes: Uint8Array) => bytes as unknown as BodyInit;

const auth = (who: Person) => ({ authorization: `Bearer ${who.token}` });

async function png(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: "#3366cc" } })
    .png()
    .toBuffer();
}

const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);
const HTML = Buffer.from(
  "<!doctype html><html><body><script>document.title='pwned'</script></body></html>",
);
const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>',
);

/** POST /api/files with raw bytes. */
function upload(
  who: Person,
  workspaceId: string,
  bytes: Uint8Array,
  name: string,
  type = "application/octet-stream",
  headers: Record<string, string> = {},
) {
  const url = `${ORIGIN}/api/files?workspaceId=${workspaceId}&name=${encodeURIComponent(name)}`;
  return postFile(
    new Request(url, {
      method: "POST",
      headers: { ...auth(who), "content-type": type, ...headers },
      body: asBody(bytes),
    }),
    options,
  );
}

async function uploaded(
  who: Person,
  workspaceId: string,
  bytes: Uint8Array,
  name: string,
  type?: string,
) {
  const response = await upload(who, workspaceId, bytes, name, type);
  const json = (await response.json()) as { fileId: string; file: Record<string, unknown> };
  if (response.status !== 201)
    throw new Error(`upload failed: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const fetchFile = (who: Person, fileId: string, variant: "file" | "thumbnail" = "file") =>
  getFile(
    new Request(`${ORIGIN}/api/files/${fileId}`, { headers: auth(who) }),
    fileId,
    variant,
    options,
  );

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
};

const usage = async (workspaceId: string) =>
  Number(
    (
      await db
        .select({ used: workspaces.storageBytes })
        .from(workspaces)
        .where(eq(workspaces.id, workspaceId))
    )[0]?.used,
  );

let ada: Person;
let bob: Person;
let carol: Person;
let outsider: Person;
let workspaceId: string;
let channelId: string;
let privateChannelId: string;

beforeAll(async () => {
  [ada, bob, carol, outsider] = (await Promise.all(
    ["Ada", "Bob", "Carol", "Outsider"].map((name) => person(name)),
  )) as [Person, Person, Person, Person];
  const workspace = await newWorkspace(ada, [bob, carol]);
  workspaceId = workspace.id;
  channelId = workspace.generalChannelId;
  ({ id: privateChannelId } = await ada.api.channel.create({
    workspaceId,
    name: `private-${randomUUID().slice(0, 8)}`,
    isPrivate: true,
  }));
  await ada.api.channel.addMember({ channelId: privateChannelId, userId: bob.id });
  await outsider.api.workspace.create({ name: "Elsewhere" });
});

describe("uploading", () => {
  test("an image: type from the bytes, its size, a thumbnail; served inline and unable to run", async () => {
    const bytes = await png(1200, 800);
    const { fileId, file } = await uploaded(
      ada,
      workspaceId,
      bytes,
      "screen shot.png",
      "image/png",
    );
    expect(file).toMatchObject({
      id: fileId,
      name: "screen shot.png",
      type: "image/png",
      size: bytes.length,
      width: 1200,
      height: 800,
      url: `/api/files/${fileId}`,
      thumbnailUrl: `/api/files/${fileId}/thumbnail`,
    });
    const served = await fetchFile(ada, fileId);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("content-disposition")).toMatch(
      /^inline; filename="screen shot.png"/,
    );
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(served.headers.get("content-security-policy")).toContain("sandbox");
    expect(served.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);

    const thumb = await fetchFile(ada, fileId, "thumbnail");
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 720, 480]);

    // Asking again with its ETag costs nothing but the access check.
    const again = await getFile(
      new Request(`${ORIGIN}/api/files/${fileId}`, {
        headers: { ...auth(ada), "if-none-match": served.headers.get("etag") ?? "" },
      }),
      fileId,
      "file",
      options,
    );
    expect(again.status).toBe(304);
  });

  test("a PDF in a multipart form: a download with its name", async () => {
    const form = new FormData();
    form.append("file", new Blob([PDF], { type: "application/pdf" }), "Quarterly report – Q3.pdf");
    const response = await postFile(
      new Request(`${ORIGIN}/api/files?workspaceId=${workspaceId}`, {
        method: "POST",
        headers: auth(ada),
        body: form,
      }),
      options,
    );
    expect(response.status).toBe(201);
    const { fileId, file } = (await response.json()) as { fileId: string; file: object };
    expect(file).toMatchObject({
      name: "Quarterly report – Q3.pdf",
      type: "application/pdf",
      size: PDF.length,
      thumbnailUrl: null,
    });
    expect(file).not.toHaveProperty("width");
    const served = await fetchFile(ada, fileId);
    expect(served.headers.get("content-type")).toBe("application/pdf");
    expect(served.headers.get("content-disposition")).toBe(
      `attachment; filename="Quarterly report _ Q3.pdf"; filename*=UTF-8''Quarterly%20report%20%E2%80%93%20Q3.pdf`,
    );
  });

  test.each([
    ["page.html", HTML, "text/html", "text/html"],
    ["drawing.svg", SVG, "image/svg+xml", "application/octet-stream"],
  ])(
    "%s is recorded as what it is and only ever served as opaque bytes to download",
    async (name, bytes, type, claim) => {
      const { fileId, file } = await uploaded(ada, workspaceId, bytes, name, claim);
      expect(file).toMatchObject({ type, thumbnailUrl: null });
      const served = await fetchFile(ada, fileId);
      expect(served.headers.get("content-type")).toBe("application/octet-stream");
      expect(served.headers.get("content-disposition")).toMatch(/^attachment;/);
      expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    },
  );

  test("refuses a claim that disguises one kind of file as another, keeping nothing", async () => {
    const before = await usage(workspaceId);
    for (const [bytes, claim] of [
      [HTML, "image/png"],
      [SVG, "image/png"],
      [PDF, "video/mp4"],
    ] as const) {
      const response = await upload(ada, workspaceId, bytes, "innocent.png", claim);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { message: string } };
      expect(error.message).toMatch(/^type: the file says it is .*, but its bytes are /);
    }
    expect(await usage(workspaceId)).toBe(before);
  });

  test("refuses empty and oversized files with clear errors, before or while reading", async () => {
    const empty = await upload(ada, workspaceId, new Uint8Array(), "empty.txt");
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/empty/);

    const limit = env().UPLOAD_MAX_MB * 1024 * 1024;
    // Declared too large: refused before a byte is read.
    const declared = await postFile(
      new Request(`${ORIGIN}/api/files?workspaceId=${workspaceId}&name=big.bin`, {
        method: "POST",
        headers: { ...auth(ada), "content-length": String(limit + 1) },
        body: new Uint8Array(10),
      }),
      options,
    );
    expect(declared.status).toBe(413);

    // No length given: stopped once the stream passes the limit.
    const before = await usage(workspaceId);
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1024 * 1024;
        controller.enqueue(new Uint8Array(1024 * 1024));
        if (sent > limit + 4 * 1024 * 1024) controller.close();
      },
    });
    const streamed = await postFile(
      new Request(`${ORIGIN}/api/files?workspaceId=${workspaceId}&name=big.bin`, {
        method: "POST",
        headers: auth(ada),
        body: endless,
        duplex: "half",
      } as RequestInit),
      options,
    );
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { message: string } }).error.message).toMatch(
      new RegExp(`larger than ${env().UPLOAD_MAX_MB} MB`),
    );
    expect(await usage(workspaceId)).toBe(before);
  });

  test("answers a full workspace with its usage, and gives reservations back", async () => {
    const own = await newWorkspace(ada, [], "Full");
    const quota = env().WORKSPACE_QUOTA_MB * 1024 * 1024;
    await db
      .update(workspaces)
      .set({ storageBytes: quota - 100 })
      .where(eq(workspaces.id, own.id));
    const response = await upload(ada, own.id, PDF, "one too many.pdf");
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /storage is full: .* of .* used/,
    );
    const fits = await ada.api.file.createUpload({
      workspaceId: own.id,
      name: "small.txt",
      size: 100,
    });
    expect(await usage(own.id)).toBe(quota);
    await ada.api.file.discard({ fileId: fits.fileId });
    expect(await usage(own.id)).toBe(quota - 100);
  });

  test("needs credentials and membership of the workspace", async () => {
    const anonymous = await postFile(
      new Request(`${ORIGIN}/api/files?workspaceId=${workspaceId}&name=a.txt`, {
        method: "POST",
        body: "hi",
      }),
      options,
    );
    expect(anonymous.status).toBe(401);
    expect((await upload(outsider, workspaceId, PDF, "x.pdf")).status).toBe(404);
    const noWorkspace = await postFile(
      new Request(`${ORIGIN}/api/files?name=a.txt`, {
        method: "POST",
        headers: auth(ada),
        body: "hi",
      }),
      options,
    );
    expect(noWorkspace.status).toBe(400);
  });

  test("in two steps: reserve, PUT exactly the declared bytes, complete", async () => {
    const bytes = await png(300, 200);
    const started = await bob.api.file.createUpload({
      workspaceId,
      name: "two.png",
      size: bytes.length,
      type: "image/png",
    });
    expect(started.upload).toEqual({
      url: `/api/files/${started.fileId}`,
      method: "PUT",
      headers: { "Content-Type": "image/png" },
    });
    const put = (who: Person, body: Uint8Array) =>
      putFile(
        new Request(`${ORIGIN}/api/files/${started.fileId}`, {
          method: "PUT",
          headers: auth(who),
          body: asBody(body),
        }),
        started.fileId,
        options,
      );
    // Only its uploader may send the bytes; too few or too many are refused.
    expect((await put(ada, bytes)).status).toBe(404);
    expect((await put(bob, bytes.subarray(0, 100))).status).toBe(400);
    expect((await put(bob, Buffer.concat([bytes, Buffer.from("extra")]))).status).toBe(413);
    // Not attachable before it is stored.
    expect(
      await codeOf(
        bob.api.message.send({
          channelId,
          body: "too soon",
          clientMessageId: randomUUID(),
          fileIds: [started.fileId],
        }),
      ),
    ).toBe("BAD_REQUEST");
    expect((await put(bob, bytes)).status).toBe(200);
    const file = await bob.api.file.completeUpload({ fileId: started.fileId });
    expect(file).toMatchObject({ type: "image/png", width: 300, height: 200 });
    expect((await put(bob, bytes)).status).toBe(409);
  });
});

describe("attaching and reading", () => {
  test("members of the channel see the files on the message and can open them; others cannot", async () => {
    const image = await uploaded(ada, workspaceId, await png(640, 480), "a.png", "image/png");
    const pdf = await uploaded(ada, workspaceId, PDF, "b.pdf");
    const sent = await ada.api.message.send({
      channelId: privateChannelId,
      body: "",
      clientMessageId: randomUUID(),
      fileIds: [image.fileId, pdf.fileId],
    });
    expect(sent.body).toBe("");
    expect(sent.files.map((f) => [f.id, f.type])).toEqual([
      [image.fileId, "image/png"],
      [pdf.fileId, "application/pdf"],
    ]);
    const [listed] = await bob.api.message.list({ channelId: privateChannelId, limit: 1 });
    expect(listed?.files).toEqual(sent.files);
    expect(await bob.api.file.get({ fileId: pdf.fileId })).toEqual(sent.files[1]);

    expect((await fetchFile(bob, image.fileId)).status).toBe(200);
    expect((await fetchFile(bob, image.fileId, "thumbnail")).status).toBe(200);
    // Carol is in the workspace but not in the private channel; the outsider in neither.
    for (const stranger of [carol, outsider]) {
      expect((await fetchFile(stranger, image.fileId)).status).toBe(404);
      expect((await fetchFile(stranger, image.fileId, "thumbnail")).status).toBe(404);
      expect(await codeOf(stranger.api.file.get({ fileId: image.fileId }))).toBe("NOT_FOUND");
    }

    // A removed member's old links stop working at once.
    await ada.api.channel.removeMember({ channelId: privateChannelId, userId: bob.id });
    expect((await fetchFile(bob, image.fileId)).status).toBe(404);
  });

  test("an upload is its uploader's alone until a message takes it", async () => {
    const { fileId } = await uploaded(ada, workspaceId, PDF, "draft.pdf");
    expect((await fetchFile(ada, fileId)).status).toBe(200);
    expect((await fetchFile(bob, fileId)).status).toBe(404);
    expect(
      await codeOf(
        bob.api.message.send({
          channelId,
          body: "mine now",
          clientMessageId: randomUUID(),
          fileIds: [fileId],
        }),
      ),
    ).toBe("NOT_FOUND");
  });

  test("a file is attached once: again, concurrently, or elsewhere is refused; a retry returns its message", async () => {
    const { fileId } = await uploaded(ada, workspaceId, PDF, "once.pdf");
    const clientMessageId = randomUUID();
    const first = await ada.api.message.send({
      channelId,
      body: "here",
      clientMessageId,
      fileIds: [fileId],
    });
    const retry = await ada.api.message.send({
      channelId,
      body: "here",
      clientMessageId,
      fileIds: [fileId],
    });
    expect(retry.id).toBe(first.id);
    expect(
      await codeOf(
        ada.api.message.send({
          channelId,
          body: "again",
          clientMessageId: randomUUID(),
          fileIds: [fileId],
        }),
      ),
    ).toBe("BAD_REQUEST");

    const { fileId: contested } = await uploaded(ada, workspaceId, PDF, "contested.pdf");
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        codeOf(
          ada.api.message.send({
            channelId,
            body: "race",
            clientMessageId: randomUUID(),
            fileIds: [contested],
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "BAD_REQUEST")).toHaveLength(5);
    const attached = await db.select().from(messageFiles).where(eq(messageFiles.fileId, contested));
    expect(attached).toHaveLength(1);
  });

  test("a file id of another workspace names nothing", async () => {
    const elsewhere = (await outsider.api.workspace.list())[0]?.id as string;
    const { fileId } = await uploaded(outsider, elsewhere, PDF, "theirs.pdf");
    const own = await uploaded(ada, workspaceId, PDF, "ours.pdf");
    expect(
      await codeOf(
        ada.api.message.send({
          channelId,
          body: "x",
          clientMessageId: randomUUID(),
          fileIds: [fileId],
        }),
      ),
    ).toBe("NOT_FOUND");
    // And a file of ours cannot go to another workspace's channel: there it names nothing either.
    const otherWorkspace = await newWorkspace(ada, [], "Second");
    expect(
      await codeOf(
        ada.api.message.send({
          channelId: otherWorkspace.generalChannelId,
          body: "x",
          clientMessageId: randomUUID(),
          fileIds: [own.fileId],
        }),
      ),
    ).toBe("NOT_FOUND");
  });

  test("deleting a message removes its files: links stop, bytes go, the quota comes back", async () => {
    const bytes = await png(100, 100);
    const { fileId } = await uploaded(ada, workspaceId, bytes, "gone.png", "image/png");
    const sent = await ada.api.message.send({
      channelId,
      body: "soon gone",
      clientMessageId: randomUUID(),
      fileIds: [fileId],
    });
    const [row] = await db.select().from(files).where(eq(files.id, fileId));
    const before = await usage(workspaceId);
    const deleted = await ada.api.message.delete({ messageId: sent.id });
    expect(deleted.files).toEqual([]);
    expect((await fetchFile(bob, fileId)).status).toBe(404);
    expect(await usage(workspaceId)).toBe(before - bytes.length);
    await expect
      .poll(async () => (await db.select().from(files).where(eq(files.id, fileId))).length)
      .toBe(0);
    expect(await storage().stat(row?.storageKey as string)).toBeNull();
    expect(await storage().stat(row?.thumbnailKey as string)).toBeNull();
  });

  test("uploads no message took are removed after a day; attached ones stay", async () => {
    const own = await newWorkspace(ada, [], "Sweep");
    const kept = await uploaded(ada, own.id, PDF, "kept.pdf");
    await ada.api.message.send({
      channelId: own.generalChannelId,
      body: "keep",
      clientMessageId: randomUUID(),
      fileIds: [kept.fileId],
    });
    const stray = await uploaded(ada, own.id, PDF, "stray.pdf");
    const pending = await ada.api.file.createUpload({
      workspaceId: own.id,
      name: "never.bin",
      size: 1000,
    });
    const [strayRow] = await db.select().from(files).where(eq(files.id, stray.fileId));
    expect(await usage(own.id)).toBe(PDF.length * 2 + 1000);

    // The sweep covers every workspace: earlier tests' strays may go too, so look at this one's.
    const filesLeft = async () =>
      (await db.select({ id: files.id }).from(files).where(eq(files.workspaceId, own.id)))
        .map((row) => row.id)
        .sort();
    await expireUnattached(db, new Date(Date.now() + UNATTACHED_TTL_MS - 60_000));
    expect(await filesLeft()).toEqual([kept.fileId, stray.fileId, pending.fileId].sort());
    await expireUnattached(db, new Date(Date.now() + UNATTACHED_TTL_MS + 60_000));
    expect(await filesLeft()).toEqual([kept.fileId]);
    expect(await usage(own.id)).toBe(PDF.length);
    expect(await storage().stat(strayRow?.storageKey as string)).toBeNull();
    expect(pending.fileId).not.toBe(kept.fileId);
  });
});

describe("PostgreSQL itself", () => {
  test("refuses a file attached twice and a message with neither text nor files", async () => {
    const { fileId } = await uploaded(ada, workspaceId, PDF, "db.pdf");
    const one = await ada.api.message.send({
      channelId,
      body: "one",
      clientMessageId: randomUUID(),
    });
    const two = await ada.api.message.send({
      channelId,
      body: "two",
      clientMessageId: randomUUID(),
    });
    await db.insert(messageFiles).values({ fileId, messageId: one.id, position: 0 });
    await expect(
      db.insert(messageFiles).values({ fileId, messageId: two.id, position: 0 }),
    ).rejects.toMatchObject({
      cause: { constraint: "message_files_pkey" },
    });
    await expect(
      db.update(messages).set({ body: "" }).where(eq(messages.id, two.id)),
    ).rejects.toMatchObject({ cause: { constraint: "messages_body_ck" } });
    await expect(
      db.update(workspaces).set({ storageBytes: sql`-1` }).where(eq(workspaces.id, workspaceId)),
    ).rejects.toMatchObject({ cause: { constraint: "workspaces_storage_ck" } });
  });
});

describe("avatars", () => {
  test("a picture is cropped square and shown to people who share a workspace, not to others", async () => {
    const response = await postAvatar(
      new Request(`${ORIGIN}/api/avatar`, {
        method: "POST",
        headers: auth(carol),
        body: asBody(await png(900, 300)),
      }),
      options,
    );
    expect(response.status).toBe(200);
    const { avatarUrl } = (await response.json()) as { avatarUrl: string };
    const [, , , userId, version] = avatarUrl.split("/");
    expect(userId).toBe(carol.id);
    expect((await carol.api.user.me()).avatarUrl).toBe(avatarUrl);
    const members = await ada.api.workspace.members({ workspaceId });
    expect(members.find((m) => m.userId === carol.id)?.avatarUrl).toBe(avatarUrl);

    const get = (who: Person) =>
      getAvatar(
        new Request(`${ORIGIN}${avatarUrl}`, { headers: auth(who) }),
        carol.id,
        version as string,
        options,
      );
    const seen = await get(ada);
    expect(seen.status).toBe(200);
    const meta = await sharp(Buffer.from(await seen.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 256, 256]);
    expect((await get(outsider)).status).toBe(404);

    const notImage = await postAvatar(
      new Request(`${ORIGIN}/api/avatar`, {
        method: "POST",
        headers: auth(carol),
        body: asBody(HTML),
      }),
      options,
    );
    expect(notImage.status).toBe(400);
    await carol.api.user.removeAvatar();
    expect((await carol.api.user.me()).avatarUrl).toBeNull();
    expect((await get(ada)).status).toBe(404);
  });
});
