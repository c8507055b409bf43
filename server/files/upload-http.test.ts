/**
 * Files over real HTTP against the production build:
 * - with S3 storage against a real S3-compatible server (s3rver) on
 *   loopback: the browser's path (a presigned PUT straight to the bucket,
 *   then completeUpload), a bot's one-request upload streamed through the
 *   app into the bucket, reading through the app, removal with the message;
 * - the server's memory while a 25 MB file streams in (it must not grow by
 *   the file's size) and upload and download throughput on loopback, for
 *   the disk storage and for S3. The figures are printed (docs/files.md).
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { type AppServer, startAppServer } from "@/testing/app-server";
import { dataOf, signIn, signUp, trpcMutation } from "@/testing/http";
import { startTestS3, type TestS3 } from "@/testing/s3";
import { S3Storage } from "./storage";

const STARTUP_MS = 300_000;
const MiB = 1024 * 1024;

/** Resident memory of a process and its descendants, in bytes (Linux /proc). */
function rss(pid: number): number {
  let total = 0;
  const visit = (id: number) => {
    try {
      const status = fs.readFileSync(`/proc/${id}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      for (const task of fs.readdirSync(`/proc/${id}/task`)) {
        const children = fs.readFileSync(`/proc/${id}/task/${task}/children`, "utf8").trim();
        for (const child of children ? children.split(" ") : []) visit(Number(child));
      }
    } catch {
      // Gone meanwhile.
    }
  };
  visit(pid);
  return total;
}

/** Samples `pid`'s memory every 20 ms while `work` runs: before, peak and after, in bytes. */
async function memoryDuring<T>(pid: number, work: () => Promise<T>) {
  const before = rss(pid);
  let peak = before;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, rss(pid));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await sampler;
  return { result, before, peak, growth: peak - before, seconds };
}

/** `size` bytes as a stream of 1 MiB chunks (a fetch body that is never whole in memory). */
function streamOf(size: number, chunk: Buffer) {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const n = Math.min(chunk.length, size - sent);
      controller.enqueue(chunk.subarray(0, n));
      sent += n;
      if (sent >= size) controller.close();
    },
  });
}

function sha256Of(size: number, chunk: Buffer) {
  const hash = createHash("sha256");
  for (let sent = 0; sent < size; sent += chunk.length)
    hash.update(chunk.subarray(0, Math.min(chunk.length, size - sent)));
  return hash.digest("hex");
}

async function download(url: string, headers: Record<string, string>) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  const hash = createHash("sha256");
  let size = 0;
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(piece);
    size += piece.length;
  }
  return {
    status: response.status,
    size,
    sha256: hash.digest("hex"),
    seconds: (performance.now() - started) / 1000,
  };
}

interface Session {
  cookie: string;
  token: string;
  workspaceId: string;
  channelId: string;
}

async function session(url: string, name: string): Promise<Session> {
  const person = {
    email: `${name.toLowerCase()}.${randomBytes(4).toString("hex")}@example.test`,
    name,
    password: "correct horse battery staple",
  };
  await signUp(url, person);
  const cookie = await signIn(url, person.email, person.password);
  const workspace = dataOf<{ id: string; generalChannelId: string }>(
    await trpcMutation(url, "workspace.create", { name: `${name}'s files` }, { cookie }),
  );
  const { token } = dataOf<{ token: string }>(
    await trpcMutation(url, "token.create", { name: "uploads" }, { cookie }),
  );
  return { cookie, token, workspaceId: workspace.id, channelId: workspace.generalChannelId };
}

const chunk = randomBytes(MiB);
const SIZE = 25 * MiB - 4096;
/** A file six times as large: if memory followed the file, it would show here. */
const LARGE = 150 * MiB;

function report(label: string, figures: Record<string, number>) {
  console.log(
    `${label}: ${Object.entries(figures)
      .map(([key, value]) => `${key} ${Number.isInteger(value) ? value : value.toFixed(1)}`)
      .join(", ")}`,
  );
}

async function measureUpload(server: AppServer, who: Session, label: string, size = SIZE) {
  const SIZE = size;
  const pid = server.child.pid as number;
  const upload = await memoryDuring(pid, async () => {
    const response = await fetch(
      `${server.url}/api/files?workspaceId=${who.workspaceId}&name=big.bin`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${who.token}`, "content-length": String(SIZE) },
        body: streamOf(SIZE, chunk),
        duplex: "half",
      } as RequestInit,
    );
    return { status: response.status, json: (await response.json()) as { fileId: string } };
  });
  expect(upload.result.status).toBe(201);
  const auth = { authorization: `Bearer ${who.token}` };
  // Only a message's files are served to others; its uploader may fetch it before.
  const back = await download(`${server.url}/api/files/${upload.result.json.fileId}`, auth);
  expect(back).toMatchObject({ status: 200, size: SIZE, sha256: sha256Of(SIZE, chunk) });
  const figures = {
    "file MB": Math.round(SIZE / MiB),
    "RSS before MB": upload.before / MiB,
    "RSS peak MB": upload.peak / MiB,
    "growth MB": upload.growth / MiB,
    "upload MB/s": SIZE / MiB / upload.seconds,
    "download MB/s": SIZE / MiB / back.seconds,
  };
  report(label, figures);
  return figures;
}

describe("with S3 storage (s3rver on loopback)", () => {
  let s3: TestS3;
  let server: AppServer;
  let ada: Session;

  beforeAll(async () => {
    s3 = await startTestS3();
    server = await startAppServer({
      databaseUrl: inject("databaseUrl"),
      env: { ...s3.env, SEQUENT_DIAGNOSTICS: "1", UPLOAD_MAX_MB: "200" },
    });
    ada = await session(server.url, "Ada");
  }, STARTUP_MS);
  afterAll(async () => {
    await server?.stop();
    await s3?.close();
  });

  test("a browser uploads straight to the bucket with a presigned PUT; members read it through the app", async () => {
    const storage = new S3Storage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
    });
    const { default: sharp } = await import("sharp");
    const png = await sharp({
      create: { width: 900, height: 600, channels: 3, background: "#884422" },
    })
      .png()
      .toBuffer();
    const started = dataOf<{
      fileId: string;
      upload: { url: string; method: string; headers: Record<string, string> };
    }>(
      await trpcMutation(
        server.url,
        "file.createUpload",
        { workspaceId: ada.workspaceId, name: "photo.png", size: png.length, type: "image/png" },
        { cookie: ada.cookie },
      ),
    );
    expect(started.upload.url.startsWith(`${s3.endpoint}/${s3.bucket}/files/`)).toBe(true);
    // Straight to the bucket: the app never sees these bytes.
    const put = await fetch(started.upload.url, {
      method: "PUT",
      headers: started.upload.headers,
      body: png as unknown as BodyInit,
    });
    expect(put.status).toBe(200);
    const file = dataOf<{ type: string; width: number; height: number; thumbnailUrl: string }>(
      await trpcMutation(
        server.url,
        "file.completeUpload",
        { fileId: started.fileId },
        { cookie: ada.cookie },
      ),
    );
    expect(file).toMatchObject({ type: "image/png", width: 900, height: 600 });
    const message = dataOf<{ id: string; files: { id: string }[] }>(
      await trpcMutation(
        server.url,
        "message.send",
        {
          channelId: ada.channelId,
          body: "from the bucket",
          clientMessageId: crypto.randomUUID(),
          fileIds: [started.fileId],
        },
        { cookie: ada.cookie },
      ),
    );
    expect(message.files.map((f) => f.id)).toEqual([started.fileId]);
    const cookie = { cookie: ada.cookie };
    const back = await download(`${server.url}/api/files/${started.fileId}`, cookie);
    expect(back.sha256).toBe(createHash("sha256").update(png).digest("hex"));
    const thumbnail = await fetch(`${server.url}${file.thumbnailUrl}`, { headers: cookie });
    expect(thumbnail.headers.get("content-type")).toBe("image/webp");
    expect(
      await storage.stat(`files/${ada.workspaceId}/${started.fileId}-thumb.webp`),
    ).not.toBeNull();

    await trpcMutation(server.url, "message.delete", { messageId: message.id }, cookie);
    expect(
      (await fetch(`${server.url}/api/files/${started.fileId}`, { headers: cookie })).status,
    ).toBe(404);
    await expect.poll(() => storage.stat(`files/${ada.workspaceId}/${started.fileId}`)).toBeNull();
  });

  test("uploads through the app stream into the bucket: memory does not follow the file's size", async () => {
    // The first upload loads and warms everything on its path (modules, pools, JIT).
    await measureUpload(server, ada, "S3 (s3rver), POST /api/files, first upload (warm-up)");
    const small = await measureUpload(server, ada, "S3 (s3rver), POST /api/files");
    const large = await measureUpload(server, ada, "S3 (s3rver), POST /api/files", LARGE);
    // Parts of 5 MiB, at most two in flight: six times the file, not six times the memory.
    expect(small["growth MB"]).toBeLessThan(25);
    expect(large["growth MB"]).toBeLessThan(small["growth MB"] + 25);
  });
});

describe("with disk storage", () => {
  let server: AppServer;
  let ada: Session;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "sequent-upload-http-"));

  beforeAll(async () => {
    server = await startAppServer({
      databaseUrl: inject("databaseUrl"),
      env: { STORAGE: "disk", STORAGE_DIR: folder, SEQUENT_DIAGNOSTICS: "1", UPLOAD_MAX_MB: "200" },
    });
    ada = await session(server.url, "Bob");
  }, STARTUP_MS);
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test("a 25 MB upload does not grow the server by the file's size", async () => {
    await measureUpload(server, ada, "disk, POST /api/files, first upload (warm-up)");
    const small = await measureUpload(server, ada, "disk, POST /api/files");
    const large = await measureUpload(server, ada, "disk, POST /api/files", LARGE);
    expect(small["growth MB"]).toBeLessThan(12.5);
    expect(large["growth MB"]).toBeLessThan(small["growth MB"] + 12.5);
  });
});
