import { z } from "zod";
import { createToken, listTokens, revokeToken } from "@/server/auth/tokens";
import { announceTokenRevoked } from "@/server/realtime/bus";
import { ZIdSchema, ZLineSchema } from "@/server/schemas";
import { protectedProcedure, router } from "@/server/trpc";

export const tokenRouter = router({
  /** The token is in this response only; it is stored as a hash. */
  create: protectedProcedure
    .input(z.object({ name: ZLineSchema(1, 80) }))
    .output(z.object({ id: z.string(), token: z.string() }))
    .mutation(({ ctx, input }) => createToken(ctx.db, ctx.user.id, input.name)),

  list: protectedProcedure
    .output(
      z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          prefix: z.string(),
          createdAt: z.string(),
          lastUsedAt: z.string().nullable(),
          revokedAt: z.string().nullable(),
        }),
      ),
    )
    .query(({ ctx }) => listTokens(ctx.db, ctx.user.id)),

  revoke: protectedProcedure
    .input(z.object({ tokenId: ZIdSchema("token") }))
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const result = await revokeToken(ctx.db, ctx.user.id, input.tokenId);
      announceTokenRevoked(result.id);
      return result;
    }),
});
