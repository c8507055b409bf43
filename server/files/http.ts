/**
 * The HTTP side of files and avatars, as plain functions of a fetch Request
 * (app/api/files/*, app/api/avatar*, and tests call them):
 *
 *   POST /api/files?workspaceId=…&name=…   the bytes (raw, or one file part of multipart/form-data)
 *   PUT  /api/files/<id>                   the bytes of an upload file.createUpload started
 *   GET  /api/files/<id>[/thumbnail]       the file (or its preview) to whoever may read its message
 *   POST /api/avatar                       a profile picture (any image; cropped square, 256 px)
 *   GET  /api/avatars/<userId>/<version>   it, to people who share a workspace with its owner
 *
 * Rules kept here: the same-origin rule for cookie requests and the upload
 * limit come first (server/http), then the credentials (session cookie or
 * API token, as for tRPC); bodies stream to storage and files stream back
 * out. What is served can never run as a page of ours: every response says
 * `X-Content-Type-Options: nosniff` and carries a sandboxing CSP; only raster
 * images are `inline`, everything else (HTML and SVG above all) is a
 * download, and types a browser would render as a document are served as
 * application/octet-stream.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { and, eq, sql } from "drizzle-orm";
import type { Session } from "next-auth";
import { type Db, getDb } from "@/db/client";
import { files, users, workspaceMembers } from "@/db/schema";
import { env } from "@/lib/env";
import { canReadFile, loadFileRef, loadWorkspaceAccess } from "@/server/access";
import { ChangeSet } from "@/server/changes";
import { createRequestContext } from "@/server/context";
import { AppError, type AppErrorCode } from "@/server/errors";
import { errorResponse, rateLimitAddress, refuseUpload } from "@/server/http";
import { requestFacts } from "@/server/http/peer";
import { log } from "@/server/log";
import { enforce } from "@/server/ratelimit";
import { publish } from "@/server/realtime/publish";
import { avatarUrlOf, type SessionUser } from "@/server/users/read";
import { setAvatar } from "@/server/users/write";
import { avatarImage, INLINE_IMAGE_TYPES } from "./inspect";
import { loadStoredFile } from "./read";
import { storage } from "./storage";
import { limitBytes, receiveUpload, TooLarge, uploadLimit, uploadWhole } from "./write";

export interface HttpOptions {
  /** Defaults to the process's database; tests pass their own. */
  db?: Db;
  /** Defaults to the next-auth cookie; tests pass their own. */
  session?: () => Promise<Session | null>;
}

const STATUS: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function failure(error: unknown, path: string): Response {
  if (error instanceof AppError) {
    const response = errorResponse(STATUS[error.code], error.code, error.message);
    if (error.retryAfterSeconds)
      response.headers.set("Retry-After", String(error.retryAfterSeconds));
    return response;
  }
  const errorId = randomUUID();
  log().error({ errorId, path, err: error }, "file request failed");
  return errorResponse(
    500,
    "INTERNAL_SERVER_ERROR",
    `Something went wrong on our side (error ${errorId}). Try again; if it keeps happening, report this id.`,
  );
}

/** The signed-in caller (session cookie or API token) and the database, or a 401. */
async function signedIn(
  request: Request,
  options: HttpOptions,
): Promise<{ db: Db; user: SessionUser } | Response> {
  const db = options.db ?? (await getDb());
  const facts = requestFacts(request);
  const ctx = await createRequestContext(request.headers, {
    db,
    session: options.session,
    clientAddress: rateLimitAddress(facts.peer),
  });
  if (!ctx.user)
    return errorResponse(
      401,
      "UNAUTHORIZED",
      ctx.authProblem ?? "Sign in or send an API token (Authorization: Bearer …) to do this.",
    );
  return { db, user: ctx.user };
}

const nodeBody = (request: Request): Readable =>
  request.body
    ? Readable.fromWeb(request.body as unknown as WebReadableStream<Uint8Array>)
    : Readable.from([]);

/** The one file part of a multipart/form-data body. */
function filePart(
  request: Request,
): Promise<{ stream: Readable; name: string; type: string | null }> {
  return new Promise((resolve, reject) => {
    let found = false;
    const parser = busboy({
      headers: { "content-type": request.headers.get("content-type") ?? "" },
      // Browsers and curl send names as UTF-8.
      defParamCharset: "utf8",
      limits: { files: 1, fields: 20, fieldSize: 4096, fileSize: uploadLimit() + 1 },
    });
    parser.on("file", (_field, stream, info) => {
      if (found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ stream, name: info.filename ?? "file", type: info.mimeType || null });
    });
    parser.on("error", () =>
      reject(new AppError("BAD_REQUEST", "file: the multipart body could not be read.")),
    );
    parser.on("close", () => {
      if (!found)
        reject(
          new AppError("BAD_REQUEST", "file: the form has no file part; send the file in one."),
        );
    });
    nodeBody(request).pipe(parser);
  });
}

/** POST /api/files: a whole file in one request (bots, scripts; see docs/api.md). */
export async function postFile(request: Request, options: HttpOptions = {}): Promise<Response> {
  const refused = refuseUpload(requestFacts(request), uploadLimit());
  if (refused) return refused;
  const caller = await signedIn(request, options);
  if (caller instanceof Response) return caller;
  const { db, user } = caller;
  try {
    const url = new URL(request.url);
    const workspaceId = url.searchParams.get("workspaceId") ?? "";
    if (!UUID.test(workspaceId))
      throw new AppError(
        "BAD_REQUEST",
        "workspaceId: give the workspace's id (a UUID) in the query string.",
      );
    if (!(await loadWorkspaceAccess(db, user.id, workspaceId)))
      throw new AppError("NOT_FOUND", "Workspace not found.");
    await enforce(`upload:${user.id}`, env().RATE_LIMIT_UPLOAD, "uploads");

    const mediaType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    let part: { stream: Readable; name: string; type: string | null };
    let declared: number | null = null;
    if (mediaType === "multipart/form-data") {
      part = await filePart(request);
    } else {
      const header = request.headers.get("x-file-name");
      let name = url.searchParams.get("name");
      if (!name && header) {
        try {
          name = decodeURIComponent(header);
        } catch {
          name = header;
        }
      }
      if (!name?.trim())
        throw new AppError(
          "BAD_REQUEST",
          "name: give the file's name (?name=report.pdf, or an X-File-Name header).",
        );
      if (name.length > 1024) throw new AppError("BAD_REQUEST", "name: is too long.");
      const length = request.headers.get("content-length");
      declared = length && /^\d+$/.test(length) ? Number(length) : null;
      part = {
        stream: nodeBody(request),
        name,
        type: mediaType && mediaType !== "application/octet-stream" ? mediaType : null,
      };
    }
    const file = await uploadWhole(
      db,
      { workspaceId, uploaderId: user.id, name: part.name, claimedType: part.type },
      part.stream,
      declared,
    );
    return Response.json({ fileId: file.id, file }, { status: 201 });
  } catch (error) {
    return failure(error, "POST /api/files");
  }
}

/** PUT /api/files/<id>: the bytes of an upload file.createUpload started (exactly its size). */
export async function putFile(
  request: Request,
  fileId: string,
  options: HttpOptions = {},
): Promise<Response> {
  const refused = refuseUpload(requestFacts(request), uploadLimit());
  if (refused) return refused;
  const caller = await signedIn(request, options);
  if (caller instanceof Response) return caller;
  const { db, user } = caller;
  try {
    if (!UUID.test(fileId)) throw new AppError("NOT_FOUND", "Upload not found.");
    const ref = await loadFileRef(db, fileId);
    if (!ref || ref.uploaderId !== user.id) throw new AppError("NOT_FOUND", "Upload not found.");
    if (ref.storedAt) throw new AppError("CONFLICT", "This upload is stored already.");
    const [row] = await db
      .select({ id: files.id, storageKey: files.storageKey, size: files.size })
      .from(files)
      .where(eq(files.id, fileId));
    if (!row) throw new AppError("NOT_FOUND", "Upload not found.");
    const file = await receiveUpload(db, { ...row, size: Number(row.size) }, nodeBody(request));
    return Response.json(file);
  } catch (error) {
    return failure(error, "PUT /api/files/<id>");
  }
}

/** Types a browser would run or render as a document of its own: served as opaque bytes. */
const ACTIVE =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript)$/i;

/** RFC 6266: an ASCII fallback and the exact name, percent-encoded. */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** Headers every served file carries, whatever it is. */
const SERVED = {
  "X-Content-Type-Options": "nosniff",
  // No script, no plugin, no form, no frame: a sandboxed document that can show an image.
  "Content-Security-Policy":
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Referrer-Policy": "no-referrer",
};

/** GET /api/files/<id> and /api/files/<id>/thumbnail: for whoever may read the file's message, now. */
export async function getFile(
  request: Request,
  fileId: string,
  variant: "file" | "thumbnail",
  options: HttpOptions = {},
): Promise<Response> {
  const caller = await signedIn(request, options);
  if (caller instanceof Response) return caller;
  const { db, user } = caller;
  try {
    const notFound = new AppError("NOT_FOUND", "File not found.");
    if (!UUID.test(fileId)) throw notFound;
    const ref = await loadFileRef(db, fileId);
    // Authorized on every request (no shared cache): a removed member's old link stops working.
    if (!ref || !(await canReadFile(db, user.id, ref))) throw notFound;
    const file = await loadStoredFile(db, fileId);
    if (!file?.storedAt) throw notFound;
    const key = variant === "thumbnail" ? file.thumbnailKey : file.storageKey;
    if (!key) throw notFound;
    const etag = `"${file.id}-${variant}"`;
    const headers: Record<string, string> = {
      ...SERVED,
      ETag: etag,
      // Every use asks again (a 304 when allowed and unchanged), so access is checked each time.
      "Cache-Control": "private, no-cache",
    };
    if (request.headers.get("if-none-match") === etag)
      return new Response(null, { status: 304, headers });
    const stat = await storage().stat(key);
    const stream = stat ? await storage().get(key) : null;
    if (!stat || !stream) {
      log().warn({ fileId, variant }, "a stored file's bytes are missing");
      throw notFound;
    }
    const inline = variant === "thumbnail" || INLINE_IMAGE_TYPES.has(file.type);
    const type = variant === "thumbnail" ? "image/webp" : file.type;
    const name = variant === "thumbnail" ? `${file.name}.preview.webp` : file.name;
    headers["Content-Type"] = ACTIVE.test(type)
      ? "application/octet-stream"
      : type.startsWith("text/")
        ? `${type}; charset=utf-8`
        : type;
    headers["Content-Disposition"] = contentDisposition(inline ? "inline" : "attachment", name);
    headers["Content-Length"] = String(stat.size);
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { headers });
  } catch (error) {
    return failure(error, "GET /api/files/<id>");
  }
}

const AVATAR_LIMIT = 10 * 1024 * 1024;

/** POST /api/avatar: a profile picture (any image up to 10 MB), cropped square and resized. */
export async function postAvatar(request: Request, options: HttpOptions = {}): Promise<Response> {
  const limit = Math.min(AVATAR_LIMIT, uploadLimit());
  const refused = refuseUpload(requestFacts(request), limit);
  if (refused) return refused;
  const caller = await signedIn(request, options);
  if (caller instanceof Response) return caller;
  const { db, user } = caller;
  try {
    await enforce(`upload:${user.id}`, env().RATE_LIMIT_UPLOAD, "uploads");
    const key = `avatars/${user.id}/${randomBytes(9)
      .toString("base64url")
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "0")}.webp`;
    const limiter = limitBytes(limit);
    const body = nodeBody(request);
    body.on("error", (error) => limiter.stream.destroy(error));
    let tooLarge = false;
    limiter.stream.on("error", (error) => {
      tooLarge = error instanceof TooLarge;
    });
    const ok = await avatarImage(body.pipe(limiter.stream), (image) =>
      storage().put(key, image, { contentType: "image/webp" }),
    );
    if (tooLarge)
      throw new AppError("PAYLOAD_TOO_LARGE", "A profile picture can be at most 10 MB.");
    if (!ok)
      throw new AppError(
        "BAD_REQUEST",
        "This is not an image we can read; use a PNG, JPEG, GIF, WebP or AVIF picture.",
      );
    const changes = new ChangeSet();
    await setAvatar(db, changes, user.id, key);
    publish(changes);
    return Response.json({ avatarUrl: avatarUrlOf(user.id, key) });
  } catch (error) {
    return failure(error, "POST /api/avatar");
  }
}

/** GET /api/avatars/<userId>/<version>: to the person and to people who share a workspace with them. */
export async function getAvatar(
  request: Request,
  userId: string,
  version: string,
  options: HttpOptions = {},
): Promise<Response> {
  const caller = await signedIn(request, options);
  if (caller instanceof Response) return caller;
  const { db, user } = caller;
  try {
    const notFound = new AppError("NOT_FOUND", "Avatar not found.");
    if (!UUID.test(userId) || !/^[a-z0-9]{1,32}$/.test(version)) throw notFound;
    const [row] = await db
      .select({ key: users.avatarKey })
      .from(users)
      .where(
        and(
          eq(users.id, userId),
          user.id === userId
            ? undefined
            : sql`EXISTS (SELECT 1 FROM ${workspaceMembers} AS me JOIN ${workspaceMembers} AS them
                           ON them.workspace_id = me.workspace_id
                          WHERE me.user_id = ${user.id} AND them.user_id = ${userId})`,
        ),
      );
    if (!row?.key || avatarUrlOf(userId, row.key) !== `/api/avatars/${userId}/${version}`)
      throw notFound;
    const stream = await storage().get(row.key);
    if (!stream) throw notFound;
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
      headers: {
        ...SERVED,
        "Content-Type": "image/webp",
        "Content-Disposition": "inline",
        // The URL names the version, so it never changes.
        "Cache-Control": "private, max-age=86400, immutable",
      },
    });
  } catch (error) {
    return failure(error, "GET /api/avatars/<id>");
  }
}
