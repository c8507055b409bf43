import { z } from "zod";
import { AppError } from "@/server/errors";
import { protectedProcedure, router } from "@/server/trpc";
import { getUser } from "@/server/users/read";

export const userRouter = router({
  me: protectedProcedure
    .output(z.object({ id: z.string(), email: z.string(), name: z.string() }))
    .query(async ({ ctx }) => {
      const user = await getUser(ctx.db, ctx.user.id);
      if (!user)
        throw new AppError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
      return user;
    }),
});
