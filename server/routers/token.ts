import { z } from "zod";
import { ZIdSchema, ZLineSchema } from "@/server/schemas";
import { listTokens } from "@/server/tokens/read";
import { createToken, revokeToken } from "@/server/tokens/write";
import { browserSessionProcedure, router } from "@/server/trpc";

/** Tokens are managed from a browser session only: a token cannot mint, list or revoke tokens. */
export const tokenRouter = router({
  /** The token is in this response only; it is stored as a hash. */
  create: browserSessionProcedure
    .input(z.object({ name: ZLineSchema(1, 80) }))
    .output(z.object({ id: z.string(), token: z.string() }))
    .mutation(({ ctx, input }) => createToken(ctx.db, ctx.user.id, input.name)),

  list: browserSessionProcedure
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

  revoke: browserSessionProcedure
    .input(z.object({ tokenId: ZIdSchema("token") }))
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => revokeToken(ctx.db, ctx.changes, ctx.user.id, input.tokenId)),
});
