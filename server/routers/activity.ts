import { z } from "zod";
import { listActivity } from "@/server/activity/read";
import { markActivityRead } from "@/server/activity/write";
import { ZActivityItemSchema, ZCursorSchema, ZLimitSchema, ZPageSchema } from "@/server/schemas";
import { router, workspaceProcedure } from "@/server/trpc";

export const activityRouter = router({
  /** Mentions of me, replies in threads I follow and reactions to my messages, newest first. */
  list: workspaceProcedure
    .input(
      z.object({
        cursor: ZCursorSchema("list"),
        limit: ZLimitSchema(100, 30),
      }),
    )
    .output(ZPageSchema(ZActivityItemSchema))
    .query(({ ctx, input }) => listActivity(ctx.db, ctx.user.id, ctx.workspace.workspaceId, input)),

  /** Everything in my activity so far counts as seen. */
  markRead: workspaceProcedure
    .output(z.object({ ok: z.literal(true) }))
    .mutation(({ ctx }) =>
      markActivityRead(ctx.db, ctx.changes, ctx.user.id, ctx.workspace.workspaceId),
    ),
});
