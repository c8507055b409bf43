import { z } from "zod";
import { env } from "@/lib/env";
import { AppError } from "@/server/errors";
import { publicOrigin } from "@/server/mail/links";
import { enforce } from "@/server/ratelimit";
import {
  expected,
  personalPasswordProblem,
  ZEmailSchema,
  ZLineSchema,
  ZPasswordSchema,
} from "@/server/schemas";
import { protectedProcedure, publicProcedure, router } from "@/server/trpc";
import { getUser } from "@/server/users/read";
import {
  requestPasswordReset,
  resetPassword,
  sendVerification,
  signUp,
  verifyEmail,
} from "@/server/users/write";

/** A secret from a mailed link. */
const ZMailedTokenSchema = z
  .string(expected("the token from the link"))
  .max(100, "is not a token from one of our links")
  .regex(/^[A-Za-z0-9_-]{20,100}$/, "is not a token from one of our links");

export const authRouter = router({
  /**
   * Creates an account; then sign in through next-auth's credentials
   * endpoint. With EMAIL_VERIFICATION=required a link confirming the address
   * is mailed to it.
   */
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
      const created = await signUp(ctx.db, input);
      if (env().emailVerification)
        await sendVerification(
          ctx.db,
          { id: created.userId, email: input.email, name: input.name },
          publicOrigin(ctx.headers),
        );
      return created;
    }),

  /**
   * Mails a single-use link to reset the password of the account with this
   * address. The answer is the same whether or not there is such an account.
   */
  requestPasswordReset: publicProcedure
    .input(z.object({ email: ZEmailSchema }))
    .output(z.object({ message: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const limit = env().RATE_LIMIT_PASSWORD_RESET;
      if (ctx.clientAddress)
        await enforce(`reset:ip:${ctx.clientAddress}`, limit, "password reset requests");
      await enforce(
        `reset:email:${input.email}`,
        limit,
        "password reset requests for this address",
      );
      await requestPasswordReset(ctx.db, { email: input.email, origin: publicOrigin(ctx.headers) });
      return {
        message:
          "If an account uses this address, a link to choose a new password is on its way. It works once, for a limited time.",
      };
    }),

  /** Sets a new password with the token of a reset link; every session of the account ends. */
  resetPassword: publicProcedure
    .input(z.object({ token: ZMailedTokenSchema, password: ZPasswordSchema }))
    .output(z.object({ email: z.string() }))
    .mutation(({ ctx, input }) => resetPassword(ctx.db, ctx.changes, input)),

  /** Confirms the address of an account with the token of the mailed link. */
  verifyEmail: publicProcedure
    .input(z.object({ token: ZMailedTokenSchema }))
    .output(z.object({ email: z.string() }))
    .mutation(({ ctx, input }) => verifyEmail(ctx.db, input.token)),

  /** Mails a new link confirming my address (when it is not confirmed yet). */
  resendVerification: protectedProcedure
    .output(z.object({ sent: z.boolean() }))
    .mutation(async ({ ctx }) => {
      await enforce(`verify:${ctx.user.id}`, env().RATE_LIMIT_PASSWORD_RESET, "confirmation mails");
      const user = await getUser(ctx.db, ctx.user.id);
      if (!user)
        throw new AppError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
      if (user.emailVerified) return { sent: false };
      await sendVerification(ctx.db, user, publicOrigin(ctx.headers));
      return { sent: true };
    }),
});
