import { z } from "zod";
import { env } from "@/lib/env";
import { enforce, limitedAddress } from "@/server/ratelimit";
import { ZEmailSchema, ZLineSchema, ZPasswordSchema } from "@/server/schemas";
import { publicProcedure, router } from "@/server/trpc";
import { signUp } from "@/server/users/write";

export const authRouter = router({
  /** Creates an account; then sign in through next-auth's credentials endpoint. */
  signUp: publicProcedure
    .input(
      z.object({
        email: ZEmailSchema,
        name: ZLineSchema(1, 80),
        password: ZPasswordSchema,
      }),
    )
    .output(z.object({ userId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const address = limitedAddress(ctx.headers);
      if (address)
        await enforce(
          `signup:ip:${address}`,
          env().RATE_LIMIT_SIGN_UP_IP,
          "sign-ups from this address",
        );
      return signUp(ctx.db, input);
    }),
});
