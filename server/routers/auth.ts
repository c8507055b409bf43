import { z } from "zod";
import { env } from "@/lib/env";
import { enforce } from "@/server/ratelimit";
import {
  personalPasswordProblem,
  ZEmailSchema,
  ZLineSchema,
  ZPasswordSchema,
} from "@/server/schemas";
import { publicProcedure, router } from "@/server/trpc";
import { signUp } from "@/server/users/write";

export const authRouter = router({
  /** Creates an account; then sign in through next-auth's credentials endpoint. */
  signUp: publicProcedure
    .input(
      z
        .object({
          email: ZEmailSchema,
          name: ZLineSchema(1, 80),
          password: ZPasswordSchema,
        })
        .superRefine((value, ctx) => {
          const problem = personalPasswordProblem(value.password, value);
          if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
        }),
    )
    .output(z.object({ userId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      if (ctx.clientAddress)
        await enforce(
          `signup:ip:${ctx.clientAddress}`,
          env().RATE_LIMIT_SIGN_UP_IP,
          "sign-ups from this address",
        );
      return signUp(ctx.db, input);
    }),
});
