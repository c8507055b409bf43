import { z } from "zod";
import { decodeCursor, listActivity } from "@/server/activity/read";
import { markActivityRead } from "@/server/activity/write";
import { AppError } from "@/server/errors";
import { ZActivityItemSchema, ZLimitSchema } from "@/server/schemas";
import { router, workspaceProcedure } from "@/server/trpc";

export const activityRouter = router({
  /** Mentions of me, replies in threads I follow and reactions to my messages, newest first. */
  list: workspaceProcedure
    .input(
      z.object({
        cursor: z.string().max(400, "is not a cursor this list gave").optional(),
        limit: ZLimitSchema(100, 30),
      }),
    )
    .output(z.object({ items: z.array(ZActivityItemSchema), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => {
      const cursor = input.cursor ? decodeCursor(input.cursor) : null;
      if (input.cursor && !cursor)
        throw new AppError(
          "BAD_REQUEST",
          "cursor: not a cursor this list gave; start again without it.",
        );
      return listActivity(ctx.db, ctx.user.id, ctx.workspace.workspaceId, {
        cursor,
        limit: input.limit,
      });
    }),

  /** Everything in my activity so far counts as seen. */
  markRead: workspaceProcedure
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx }) =>
      markActivityRead(ctx.db, ctx.changes, ctx.user.id, ctx.workspace.workspaceId),
    ),
});
