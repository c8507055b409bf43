/** Files as clients see them: on messages, and one at a time for whoever may read it. */
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { files, messageFiles, messages } from "@/db/schema";
import { AppError } from "@/server/errors";

/** A file as it travels with its message (and as uploads answer). */
export interface FileView {
  id: string;
  name: string;
  /** Sniffed from the bytes. */
  type: string;
  size: number;
  /** For images: the upright size in pixels, so a list can make room before the image loads. */
  width?: number;
  height?: number;
  /** Where members fetch it: the file, and a small WebP preview for images. */
  url: string;
  thumbnailUrl: string | null;
}

export const fileUrl = (id: string) => `/api/files/${id}`;
export const thumbnailUrl = (id: string) => `/api/files/${id}/thumbnail`;

export const fileViewColumns = {
  id: files.id,
  name: files.name,
  type: files.type,
  size: files.size,
  width: files.width,
  height: files.height,
  thumbnailKey: files.thumbnailKey,
};

export function toFileView(row: {
  id: string;
  name: string;
  type: string;
  size: number;
  width: number | null;
  height: number | null;
  thumbnailKey: string | null;
}): FileView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    size: Number(row.size),
    ...(row.width !== null && row.height !== null ? { width: row.width, height: row.height } : {}),
    url: fileUrl(row.id),
    thumbnailUrl: row.thumbnailKey ? thumbnailUrl(row.id) : null,
  };
}

/** The files of messages, in their order on each message; only for ids that have files. */
export async function filesOfMessages(
  db: Db,
  messageIds: string[],
): Promise<Map<string, FileView[]>> {
  const byMessage = new Map<string, FileView[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .select({ messageId: messageFiles.messageId, ...fileViewColumns })
    .from(messageFiles)
    .innerJoin(files, eq(files.id, messageFiles.fileId))
    .where(and(inArray(messageFiles.messageId, messageIds), isNull(files.deletedAt)))
    .orderBy(asc(messageFiles.messageId), asc(messageFiles.position));
  for (const row of rows) {
    const list = byMessage.get(row.messageId) ?? [];
    list.push(toFileView(row));
    byMessage.set(row.messageId, list);
  }
  return byMessage;
}

/** A stored file's facts for serving it (access already checked). */
export async function loadStoredFile(db: Db, fileId: string) {
  const [row] = await db
    .select({
      ...fileViewColumns,
      storageKey: files.storageKey,
      storedAt: files.storedAt,
      workspaceId: files.workspaceId,
    })
    .from(files)
    .where(and(eq(files.id, fileId), isNull(files.deletedAt)))
    .limit(1);
  return row ?? null;
}

/**
 * The uploads a send attaches, in the order given: each must be the
 * author's own, in the target's workspace, stored, recent enough not to be
 * swept, and not attached to another message (a retry of the same send may
 * find them on its own message: the send then returns that message).
 */
export async function filesToAttach(
  db: Db,
  send: { authorId: string; workspaceId: string; clientMessageId: string },
  fileIds: string[],
  attachWithinMs: number,
): Promise<FileView[]> {
  if (fileIds.length === 0) return [];
  const rows = await db
    .select({
      ...fileViewColumns,
      workspaceId: files.workspaceId,
      uploaderId: files.uploaderId,
      storedAt: files.storedAt,
      createdAt: files.createdAt,
      attachedTo: messages.clientMessageId,
      attachedBy: messages.authorId,
    })
    .from(files)
    .leftJoin(messageFiles, eq(messageFiles.fileId, files.id))
    .leftJoin(messages, eq(messages.id, messageFiles.messageId))
    .where(and(inArray(files.id, fileIds), isNull(files.deletedAt)));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return fileIds.map((id) => {
    const row = byId.get(id);
    if (!row || row.workspaceId !== send.workspaceId || row.uploaderId !== send.authorId)
      throw new AppError(
        "NOT_FOUND",
        `fileIds: no upload of yours in this workspace has id ${id}.`,
      );
    if (!row.storedAt)
      throw new AppError(
        "BAD_REQUEST",
        `fileIds: ${row.name} is still uploading; send the message once it is stored.`,
      );
    const retry =
      row.attachedBy === send.authorId &&
      row.attachedTo?.toLowerCase() === send.clientMessageId.toLowerCase();
    if (row.attachedTo && !retry)
      throw new AppError("BAD_REQUEST", `fileIds: ${row.name} is already attached to a message.`);
    if (!row.attachedTo && Date.now() - row.createdAt.getTime() > attachWithinMs)
      throw new AppError(
        "BAD_REQUEST",
        `fileIds: the upload of ${row.name} expired; upload it again.`,
      );
    return toFileView(row);
  });
}
