import { z } from "zod";
import { AppError } from "@/server/errors";
import { ZPasswordSchema } from "@/server/schemas";
import { browserSessionProcedure, protectedProcedure, router } from "@/server/trpc";
import { getUser } from "@/server/users/read";
import { changePassword, signOutEverywhere } from "@/server/users/write";

const ZEndedSchema = z.object({ endedSessions: z.number(), revokedTokens: z.number() });

export const userRouter = router({
  me: protectedProcedure
    .output(z.object({ id: z.string(), email: z.string(), name: z.string() }))
    .query(async ({ ctx }) => {
      const user = await getUser(ctx.db, ctx.user.id);
      if (!user)
        throw new AppError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
      return user;
    }),

  /**
   * Sets a new password. This session stays; other sessions and API tokens
   * stay too unless `signOutEverywhere` / `revokeTokens` say otherwise.
   */
  changePassword: browserSessionProcedure
    .input(
      z.object({
        currentPassword: z.string().min(1, "is required").max(1024, "is too long"),
        newPassword: ZPasswordSchema,
        signOutEverywhere: z.boolean().default(false),
        revokeTokens: z.boolean().default(false),
      }),
    )
    .output(ZEndedSchema)
    .mutation(({ ctx, input }) =>
      changePassword(
        ctx.db,
        ctx.changes,
        { userId: ctx.user.id, sessionId: ctx.authentication.sessionId },
        input,
      ),
    ),

  /** Ends every browser session of yours, this one included; `revokeTokens` also revokes every API token. */
  signOutEverywhere: browserSessionProcedure
    .input(z.object({ revokeTokens: z.boolean().default(false) }).default({ revokeTokens: false }))
    .output(ZEndedSchema)
    .mutation(({ ctx, input }) => signOutEverywhere(ctx.db, ctx.changes, ctx.user.id, input)),
});
