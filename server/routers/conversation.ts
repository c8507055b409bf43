import { z } from "zod";
import { getConversation, listConversations } from "@/server/conversations/read";
import { openConversation } from "@/server/conversations/write";
import { expected, ZConversationListItemSchema, ZIdSchema } from "@/server/schemas";
import { conversationProcedure, router, workspaceProcedure } from "@/server/trpc";

export const conversationRouter = router({
  /** The same set of people always gets the same conversation. */
  open: workspaceProcedure
    .input(
      z.object({
        userIds: z
          .array(ZIdSchema("user"), expected("a list of user ids"))
          .min(1, "must name at least one person")
          .max(10, "may name at most 9 people besides you"),
      }),
    )
    .output(z.object({ id: z.string(), created: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const opened = await openConversation(
        ctx.db,
        ctx.changes,
        ctx.user.id,
        ctx.workspace.workspaceId,
        input.userIds,
      );
      return { id: opened.id, created: opened.created };
    }),

  get: conversationProcedure
    .output(
      ZConversationListItemSchema.extend({
        workspaceId: z.string(),
        /** The conversation's position now: pass it as lastEventId to stream what happens after a read. */
        lastRevision: z.number(),
      }),
    )
    .query(({ ctx }) => getConversation(ctx.db, ctx.user.id, ctx.conversation)),

  list: workspaceProcedure
    .output(z.array(ZConversationListItemSchema))
    .query(({ ctx }) => listConversations(ctx.db, ctx.user.id, ctx.workspace.workspaceId)),
});
