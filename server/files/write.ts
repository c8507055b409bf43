/**
 * Uploads and their lifecycle, access already checked.
 *
 * Rules kept here:
 * - Quota before bytes: every upload reserves its size in its workspace's
 *   `storage_bytes` (one conditional UPDATE, so concurrent uploads cannot
 *   pass the quota together) before a byte is stored; a smaller result gives
 *   the difference back, and removing a file gives its size back.
 * - Streams, never buffers: bytes flow from the request through a counter
 *   that stops at the limit into storage; the type is judged afterwards from
 *   the first 64 KiB read back, and thumbnails are made from a stream.
 * - A file is stored (`stored_at`) only once its size, type and thumbnail
 *   are known; only stored files can be attached.
 * - Removal is two-phase: the row is marked (`deleted_at`, its quota given
 *   back) in the transaction that decides it; the bytes and then the row go
 *   after commit, and `sweepRemoved` retries whatever a failure left.
 */
import { randomUUID } from "node:crypto";
import { type Readable, Transform } from "node:stream";
import { and, eq, inArray, isNotNull, isNull, lt, notExists, type SQL, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { files, messageFiles, workspaces } from "@/db/schema";
import { env } from "@/lib/env";
import { AppError } from "@/server/errors";
import { log } from "@/server/log";
import { canThumbnail, claimProblem, SNIFF_BYTES, sniffType, thumbnail } from "./inspect";
import { type FileView, fileViewColumns, toFileView } from "./read";
import { storage } from "./storage";

/** Uploads never attached to a message are removed after this long. */
export const UNATTACHED_TTL_MS = 24 * 60 * 60 * 1000;
/** An upload can be attached this long after it started (an hour before removal may take it). */
export const ATTACH_WITHIN_MS = UNATTACHED_TTL_MS - 60 * 60 * 1000;
/** How long a presigned upload URL works. */
const PRESIGN_SECONDS = 15 * 60;

const MiB = 1024 * 1024;
export const uploadLimit = () => env().UPLOAD_MAX_MB * MiB;
const quota = () => env().WORKSPACE_QUOTA_MB * MiB;

const megabytes = (bytes: number) =>
  bytes >= MiB
    ? `${(bytes / MiB).toFixed(1).replace(/\.0$/, "")} MB`
    : `${Math.ceil(bytes / 1024)} KB`;

/** A file name as shown and served: no folders, no control or direction characters, 1..255 characters. */
export function cleanFileName(raw: string | null | undefined): string {
  const base = (raw ?? "").normalize("NFC").split(/[/\\]/).pop() ?? "";
  const clean = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .trim()
    .replace(/^\.+$/, "");
  const chars = Array.from(clean);
  if (chars.length === 0) return "file";
  if (chars.length <= 255) return clean;
  // Keep the extension when shortening.
  const dot = clean.lastIndexOf(".");
  const extension = dot > 0 ? Array.from(clean.slice(dot)).slice(0, 16).join("") : "";
  return chars.slice(0, 255 - Array.from(extension).length).join("") + extension;
}

export const storageKeyOf = (workspaceId: string, fileId: string) =>
  `files/${workspaceId}/${fileId}`;
const thumbnailKeyOf = (storageKey: string) => `${storageKey}-thumb.webp`;

/** Moves a workspace's storage by `bytes` (a reservation when positive); refuses past the quota. */
async function reserve(db: Db, workspaceId: string, bytes: number, what: string) {
  const [row] = await db
    .update(workspaces)
    .set({ storageBytes: sql`${workspaces.storageBytes} + ${bytes}` })
    .where(
      and(eq(workspaces.id, workspaceId), sql`${workspaces.storageBytes} + ${bytes} <= ${quota()}`),
    )
    .returning({ used: workspaces.storageBytes });
  if (row) return;
  const [usage] = await db
    .select({ used: workspaces.storageBytes })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId));
  throw new AppError(
    "PAYLOAD_TOO_LARGE",
    `This workspace's storage is full: ${megabytes(Number(usage?.used ?? 0))} of ${megabytes(quota())} used, and ${what} needs ${megabytes(bytes)} more. Delete messages with files to make room.`,
  );
}

function release(db: Db, workspaceId: string, bytes: number) {
  if (bytes <= 0) return Promise.resolve();
  return db
    .update(workspaces)
    .set({ storageBytes: sql`GREATEST(${workspaces.storageBytes} - ${bytes}, 0)` })
    .where(eq(workspaces.id, workspaceId));
}

export interface NewUpload {
  workspaceId: string;
  uploaderId: string;
  name: string;
  /** The uploader's word for the type: only compared with what the bytes are. */
  claimedType?: string | null;
}

/** A pending upload: its row, with `size` reserved in the quota. */
async function startUpload(db: Db, upload: NewUpload, size: number) {
  const id = randomUUID();
  const storageKey = storageKeyOf(upload.workspaceId, id);
  await db.transaction(async (tx) => {
    await reserve(tx, upload.workspaceId, size, "this file");
    await tx.insert(files).values({
      id,
      workspaceId: upload.workspaceId,
      uploaderId: upload.uploaderId,
      name: cleanFileName(upload.name),
      // Until the bytes are judged, the claim stands in (and is compared with them then).
      type: upload.claimedType?.slice(0, 255) || "application/octet-stream",
      size,
      storageKey,
    });
  });
  return { id, storageKey };
}

function checkSize(size: number) {
  if (size === 0) throw new AppError("BAD_REQUEST", "size: the file is empty.");
  if (size > uploadLimit())
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `size: the file is ${megabytes(size)}; files can be at most ${megabytes(uploadLimit())}.`,
    );
}

/**
 * Step one of a browser upload: reserves the declared size and says where
 * to PUT the bytes — straight to S3 with a presigned URL, or to this app.
 */
export async function createUpload(db: Db, upload: NewUpload & { size: number }) {
  checkSize(upload.size);
  const { id, storageKey } = await startUpload(db, upload, upload.size);
  const presigned = await storage().presignPut(storageKey, {
    size: upload.size,
    contentType: upload.claimedType || "application/octet-stream",
    expiresInSeconds: PRESIGN_SECONDS,
  });
  return {
    fileId: id,
    upload: presigned ?? {
      url: `/api/files/${id}`,
      method: "PUT" as const,
      headers: { "Content-Type": upload.claimedType || "application/octet-stream" },
    },
  };
}

export class TooLarge extends Error {}

/** Passes at most `limit` bytes; one more and the stream fails with TooLarge. */
export function limitBytes(limit: number) {
  let seen = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.byteLength;
      if (seen > limit) done(new TooLarge(`more than ${limit} bytes`));
      else done(null, chunk);
    },
  });
  // Whoever reads it learns of the failure through its pipeline; a late chunk must not crash.
  stream.on("error", () => {});
  return { stream, seen: () => seen };
}

/** Streams a request body into a file's key, stopping past `limit`; returns the size written. */
async function streamInto(key: string, body: Readable, limit: number, tooLarge: () => AppError) {
  const limiter = limitBytes(limit);
  body.on("error", (error) => limiter.stream.destroy(error));
  try {
    const { size } = await storage().put(key, body.pipe(limiter.stream));
    return size;
  } catch (error) {
    body.destroy();
    if (error instanceof TooLarge || limiter.seen() > limit) throw tooLarge();
    throw error;
  }
}

async function readHead(key: string, size: number): Promise<Buffer> {
  const stream = await storage().get(key, { start: 0, end: Math.min(size, SNIFF_BYTES) - 1 });
  if (!stream) throw new AppError("CONFLICT", "The file's bytes are gone; upload it again.");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Marks files removed (giving their quota back) and returns their ids for the sweep. */
export async function markRemoved(db: Db, where: SQL): Promise<string[]> {
  const removed = await db
    .update(files)
    .set({ deletedAt: sql`now()` })
    .where(and(isNull(files.deletedAt), where))
    .returning({ id: files.id, workspaceId: files.workspaceId, size: files.size });
  const byWorkspace = new Map<string, number>();
  for (const row of removed)
    byWorkspace.set(row.workspaceId, (byWorkspace.get(row.workspaceId) ?? 0) + Number(row.size));
  for (const [workspaceId, bytes] of byWorkspace) await release(db, workspaceId, bytes);
  return removed.map((row) => row.id);
}

/**
 * Removes marked files' bytes, then their rows: those named, or (without
 * names) any left marked by an earlier failure. A failure leaves the marks
 * for the next sweep. Returns how many went.
 */
export async function sweepRemoved(db: Db, ids?: string[]): Promise<number> {
  if (ids?.length === 0) return 0;
  const rows = await db
    .select({ id: files.id, storageKey: files.storageKey, thumbnailKey: files.thumbnailKey })
    .from(files)
    .where(and(isNotNull(files.deletedAt), ids ? inArray(files.id, ids) : undefined))
    .limit(ids ? ids.length : 500);
  if (rows.length === 0) return 0;
  const keys = rows.flatMap((row) => [
    row.storageKey,
    ...(row.thumbnailKey ? [row.thumbnailKey] : []),
  ]);
  await storage().delete(keys);
  await db.delete(files).where(
    inArray(
      files.id,
      rows.map((row) => row.id),
    ),
  );
  return rows.length;
}

/** Sweeps right after commit without failing the caller; leftovers go in the next sweep. */
export async function sweepQuietly(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sweepRemoved(db, ids).catch((error) =>
    log().warn({ err: error, files: ids.length }, "removing files failed; the next sweep retries"),
  );
}

/** Marks uploads that no message took within a day; returns how many. */
export async function expireUnattached(db: Db, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - UNATTACHED_TTL_MS);
  const ids = await markRemoved(
    db,
    and(
      lt(files.createdAt, cutoff),
      notExists(
        db.select({ one: sql`1` }).from(messageFiles).where(eq(messageFiles.fileId, files.id)),
      ),
    ) as SQL,
  );
  await sweepRemoved(db, ids);
  return ids.length;
}

async function refuse(db: Db, fileId: string, error: AppError): Promise<never> {
  await sweepQuietly(db, await markRemoved(db, eq(files.id, fileId)));
  throw error;
}

/**
 * Judges the bytes that arrived for an upload and stores it: the size must
 * be the declared one, the type comes from the bytes (a claim that disguises
 * one kind as another is refused), images get their size and a thumbnail.
 * Repeating it after success returns the stored file.
 */
export async function finishUpload(db: Db, fileId: string): Promise<FileView> {
  const [row] = await db
    .select({ ...fileViewColumns, storageKey: files.storageKey, storedAt: files.storedAt })
    .from(files)
    .where(and(eq(files.id, fileId), isNull(files.deletedAt)));
  if (!row) throw new AppError("NOT_FOUND", "Upload not found.");
  if (row.storedAt) return toFileView(row);
  const stat = await storage().stat(row.storageKey);
  if (!stat)
    throw new AppError("CONFLICT", "The file's bytes have not arrived yet; upload them first.");
  if (stat.size !== Number(row.size)) {
    await storage().delete([row.storageKey]);
    throw new AppError(
      "BAD_REQUEST",
      `size: ${stat.size} bytes arrived, but ${row.size} were declared; upload it again.`,
    );
  }
  const head = await readHead(row.storageKey, stat.size);
  const type = await sniffType(head, stat.size <= SNIFF_BYTES);
  const problem = claimProblem(row.type, type);
  if (problem) await refuse(db, fileId, new AppError("BAD_REQUEST", `type: ${problem}.`));

  let image: { width: number; height: number } | null = null;
  let thumbnailKey: string | null = null;
  if (canThumbnail(type)) {
    const input = await storage().get(row.storageKey);
    const key = thumbnailKeyOf(row.storageKey);
    image = input
      ? await thumbnail(input, (thumb) => storage().put(key, thumb, { contentType: "image/webp" }))
      : null;
    if (image) thumbnailKey = key;
    else await storage().delete([key]);
  }
  const [stored] = await db
    .update(files)
    .set({
      type,
      width: image?.width ?? null,
      height: image?.height ?? null,
      thumbnailKey,
      storedAt: sql`coalesce(${files.storedAt}, now())`,
    })
    .where(and(eq(files.id, fileId), isNull(files.deletedAt)))
    .returning(fileViewColumns);
  if (!stored) throw new AppError("NOT_FOUND", "Upload not found.");
  return toFileView(stored);
}

/**
 * The bytes of a pending upload, through the app (disk storage, or any
 * client that cannot use a presigned URL): exactly the declared size.
 */
export async function receiveUpload(
  db: Db,
  file: { id: string; storageKey: string; size: number },
  body: Readable,
): Promise<FileView> {
  const size = await streamInto(
    file.storageKey,
    body,
    file.size,
    () =>
      new AppError(
        "PAYLOAD_TOO_LARGE",
        `More bytes arrived than the ${file.size} this upload declared.`,
      ),
  );
  if (size !== file.size) {
    await storage().delete([file.storageKey]);
    throw new AppError(
      "BAD_REQUEST",
      `size: ${size} bytes arrived, but ${file.size} were declared; upload it again.`,
    );
  }
  return finishUpload(db, file.id);
}

/**
 * A whole upload in one request (POST /api/files): reserves the declared
 * length (or the limit when none is declared), streams the bytes into
 * storage, gives back what was not used and stores the file.
 */
export async function uploadWhole(
  db: Db,
  upload: NewUpload,
  body: Readable,
  declaredLength: number | null,
): Promise<FileView> {
  if (declaredLength !== null) checkSize(declaredLength);
  const reserved = declaredLength ?? uploadLimit();
  const { id, storageKey } = await startUpload(db, upload, reserved);
  let size: number;
  try {
    size = await streamInto(
      storageKey,
      body,
      Math.min(reserved, uploadLimit()),
      () =>
        new AppError(
          "PAYLOAD_TOO_LARGE",
          declaredLength === null
            ? `The file is larger than ${megabytes(uploadLimit())}, the most a file can be.`
            : `More bytes arrived than the ${declaredLength} declared.`,
        ),
    );
  } catch (error) {
    return refuse(
      db,
      id,
      error instanceof AppError
        ? error
        : new AppError("BAD_REQUEST", "The upload did not finish; send it again."),
    );
  }
  if (size === 0) await refuse(db, id, new AppError("BAD_REQUEST", "The file is empty."));
  if (size !== reserved) {
    await db.transaction(async (tx) => {
      await tx.update(files).set({ size }).where(eq(files.id, id));
      await release(tx, upload.workspaceId, reserved - size);
    });
  }
  return finishUpload(db, id);
}

/** Gives up an upload no message took (its quota comes back at once). */
export async function discardUpload(db: Db, fileId: string): Promise<{ id: string }> {
  const ids = await markRemoved(
    db,
    and(
      eq(files.id, fileId),
      notExists(
        db.select({ one: sql`1` }).from(messageFiles).where(eq(messageFiles.fileId, files.id)),
      ),
    ) as SQL,
  );
  if (ids.length === 0)
    throw new AppError(
      "CONFLICT",
      "This file is attached to a message; delete the message instead.",
    );
  await sweepQuietly(db, ids);
  return { id: fileId };
}

/** The files of deleted messages are removed with them (inside the deleting transaction). */
export function removeFilesOf(db: Db, messageIds: string[]): Promise<string[]> {
  if (messageIds.length === 0) return Promise.resolve([]);
  return markRemoved(
    db,
    inArray(
      files.id,
      db
        .select({ id: messageFiles.fileId })
        .from(messageFiles)
        .where(inArray(messageFiles.messageId, messageIds)),
    ),
  );
}
