import { z } from "zod";
import { AppError } from "@/server/errors";
import { notificationMailsEnabled, setNotificationMails } from "@/server/notifications/mail";
import { presence } from "@/server/realtime/presence";
import {
  ZIdSchema,
  ZLineSchema,
  ZPasswordSchema,
  ZProfileSchema,
  ZStatusSchema,
} from "@/server/schemas";
import {
  browserSessionProcedure,
  protectedProcedure,
  router,
  workspaceProcedure,
} from "@/server/trpc";
import { getUser, memberProfile } from "@/server/users/read";
import { changePassword, setAvatar, signOutEverywhere, updateProfile } from "@/server/users/write";

const ZEndedSchema = z.object({ endedSessions: z.number(), revokedTokens: z.number() });

export const userRouter = router({
  me: protectedProcedure
    .output(
      z.object({
        id: z.string(),
        email: z.string(),
        name: z.string(),
        status: z.string(),
        /** Your profile picture (set with POST /api/avatar), or null. */
        avatarUrl: z.string().nullable(),
        /** Whether you confirmed your address through a mailed link. */
        emailVerified: z.boolean(),
        /** Whether mentions and direct messages are mailed to you while you are away. */
        emailNotifications: z.boolean(),
      }),
    )
    .query(async ({ ctx }) => {
      const user = await getUser(ctx.db, ctx.user.id);
      if (!user)
        throw new AppError("UNAUTHORIZED", "Your account no longer exists; sign in again.");
      return { ...user, emailNotifications: await notificationMailsEnabled(ctx.db, user.id) };
    }),

  /** Turns mails about mentions and direct messages while you are away on or off. */
  setEmailNotifications: protectedProcedure
    .input(z.object({ enabled: z.boolean({ error: "must be true or false" }) }))
    .output(z.object({ enabled: z.boolean() }))
    .mutation(({ ctx, input }) => setNotificationMails(ctx.db, ctx.user.id, input.enabled)),

  /** Changes my display name and/or status line; my workspaces see it live. */
  update: protectedProcedure
    .input(z.object({ name: ZLineSchema(1, 80).optional(), status: ZStatusSchema.optional() }))
    .output(z.object({ id: z.string(), name: z.string(), email: z.string(), status: z.string() }))
    .mutation(({ ctx, input }) => updateProfile(ctx.db, ctx.changes, ctx.user.id, input)),

  /** Removes my profile picture (initials again); set one with POST /api/avatar. */
  removeAvatar: protectedProcedure
    .output(z.object({ avatarUrl: z.null() }))
    .mutation(async ({ ctx }) => {
      await setAvatar(ctx.db, ctx.changes, ctx.user.id, null);
      return { avatarUrl: null };
    }),

  /** A member of a workspace as its members see them, with whether they are online now. */
  profile: workspaceProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(ZProfileSchema)
    .query(async ({ ctx, input }) => {
      const profile = await memberProfile(ctx.db, ctx.workspace.workspaceId, input.userId);
      if (!profile)
        throw new AppError("NOT_FOUND", "This person is not a member of the workspace.");
      const online = await presence().online(ctx.workspace.workspaceId);
      return { ...profile, online: online.includes(profile.id) };
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
