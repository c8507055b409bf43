/**
 * Uploads in two steps, for browsers: `createUpload` reserves the size and
 * says where to PUT the bytes (straight to S3 with a presigned URL, or to
 * PUT /api/files/<id>), `completeUpload` judges them and stores the file.
 * Bots can instead POST the bytes to /api/files in one request (see
 * docs/api.md). Either way a file is attached by naming it in message.send.
 */
import { z } from "zod";
import { env } from "@/lib/env";
import { AppError } from "@/server/errors";
import { loadStoredFile, toFileView } from "@/server/files/read";
import { createUpload, discardUpload, finishUpload, uploadLimit } from "@/server/files/write";
import { enforce } from "@/server/ratelimit";
import { expected, ZFileSchema } from "@/server/schemas";
import { fileProcedure, fileUploaderProcedure, router, workspaceProcedure } from "@/server/trpc";

/** A media type as browsers give it ("image/png", "application/pdf"), or empty. */
const ZClaimedTypeSchema = z
  .string(expected("a media type such as image/png"))
  .max(255, "is too long")
  .regex(/^([\w.+-]+\/[\w.+-]+(\s*;.*)?)?$/, "must be a media type such as image/png")
  .transform((value) => value.split(";")[0]?.trim().toLowerCase() ?? "");

export const fileRouter = router({
  /** Starts an upload of `size` bytes: reserves them in the workspace's quota; answers where to PUT them. */
  createUpload: workspaceProcedure
    .input(
      z.object({
        name: z
          .string(expected("text"))
          .max(1024, "must be at most 1024 characters (names are shortened to 255)")
          .refine((value) => value.trim().length > 0, "must not be empty")
          .refine((value) => !value.includes("\u0000"), "must not contain NUL"),
        size: z
          .number(expected("a number of bytes"))
          .int("must be a whole number of bytes")
          .min(1, "must be at least 1: the file is empty")
          .refine((size) => size <= uploadLimit(), {
            error: () => `must be at most ${env().UPLOAD_MAX_MB} MB (UPLOAD_MAX_MB)`,
          }),
        type: ZClaimedTypeSchema.optional(),
      }),
    )
    .output(
      z.object({
        fileId: z.string(),
        upload: z.object({
          url: z.string(),
          method: z.literal("PUT"),
          headers: z.record(z.string(), z.string()),
        }),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await enforce(`upload:${ctx.user.id}`, env().RATE_LIMIT_UPLOAD, "uploads");
      return createUpload(ctx.db, {
        workspaceId: ctx.workspace.workspaceId,
        uploaderId: ctx.user.id,
        name: input.name,
        size: input.size,
        claimedType: input.type || null,
      });
    }),

  /** Judges the bytes that arrived (size, type from the bytes, thumbnail) and stores the file. */
  completeUpload: fileUploaderProcedure
    .output(ZFileSchema)
    .mutation(({ ctx }) => finishUpload(ctx.db, ctx.file.id)),

  /** Gives up an upload no message took; its quota comes back at once. */
  discard: fileUploaderProcedure
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx }) => discardUpload(ctx.db, ctx.file.id)),

  /** A file's facts, for whoever may read it. */
  get: fileProcedure.output(ZFileSchema).query(async ({ ctx }) => {
    const file = await loadStoredFile(ctx.db, ctx.file.id);
    if (!file?.storedAt) throw new AppError("NOT_FOUND", "File not found, or still uploading.");
    return toFileView(file);
  }),
});
