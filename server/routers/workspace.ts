import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import { env } from "@/lib/env";
import { targetOf } from "@/lib/target";
import { loadTargetAccess } from "@/server/access";
import { publicOrigin } from "@/server/mail/links";
import { deliver } from "@/server/mail/send";
import { invitationMail } from "@/server/mail/templates";
import { markAllRead } from "@/server/messages/write";
import { enforce } from "@/server/ratelimit";
import { presence } from "@/server/realtime/presence";
import { followWorkspace } from "@/server/realtime/workspace-stream";
import {
  expected,
  ZEmailSchema,
  ZIdSchema,
  ZLineSchema,
  ZPositionSchema,
  ZWorkspaceRoleSchema,
} from "@/server/schemas";
import {
  protectedProcedure,
  publicProcedure,
  router,
  workspaceAdminProcedure,
  workspaceProcedure,
} from "@/server/trpc";
import {
  describeInvitationLink,
  describeInvite,
  getWorkspace,
  invitationMailFacts,
  listInvitations,
  listInvites,
  listMembers,
  listMyInvitations,
  listWorkspaces,
} from "@/server/workspaces/read";
import {
  acceptInvitation,
  acceptInvitationLink,
  createInvite,
  createWorkspace,
  declineInvitation,
  INVITATION_DAYS,
  inviteByEmail,
  joinWorkspace,
  removeMember,
  revokeInvitation,
  revokeInvite,
  setRole,
} from "@/server/workspaces/write";

const ZInviteCodeSchema = z
  .string(expected("text"))
  .max(256, "is too long")
  .trim()
  .min(1, "must not be empty")
  .max(64, "is too long")
  // PostgreSQL rejects a NUL in text outright (a 500); no code has control characters.
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");
const ZRole = z.enum(["owner", "admin", "member"]);
/** The secret of a mailed invitation link. */
const ZInvitationTokenSchema = z
  .string(expected("the token from the invitation link"))
  .max(100, "is not a token from an invitation link")
  .regex(/^[A-Za-z0-9_-]{20,100}$/, "is not a token from an invitation link");
const ZInvitationSentSchema = z.object({
  invitationId: z.string(),
  email: z.string(),
  expiresAt: z.string(),
});

export const workspaceRouter = router({
  create: protectedProcedure
    .input(z.object({ name: ZLineSchema(1, 80) }))
    .output(z.object({ id: z.string(), slug: z.string(), generalChannelId: z.string() }))
    .mutation(({ ctx, input }) => createWorkspace(ctx.db, ctx.user.id, input.name)),

  list: protectedProcedure
    .output(z.array(z.object({ id: z.string(), name: z.string(), slug: z.string(), role: ZRole })))
    .query(({ ctx }) => listWorkspaces(ctx.db, ctx.user.id)),

  get: workspaceProcedure
    .output(
      z.object({
        id: z.string(),
        name: z.string(),
        slug: z.string(),
        createdAt: z.string(),
        memberCount: z.number(),
        generalChannelId: z.string().nullable(),
        role: ZRole,
      }),
    )
    .query(({ ctx }) => getWorkspace(ctx.db, ctx.workspace)),

  /** Any member may invite; links expire (default 7 days) and may have a use limit. */
  createInvite: workspaceProcedure
    .input(
      z.object({
        expiresInHours: z
          .number()
          .int()
          .min(1, "must be at least 1")
          .max(720, "must be at most 720 (30 days)")
          .default(168),
        maxUses: z
          .number()
          .int()
          .min(1, "must be at least 1")
          .max(10_000, "must be at most 10000")
          .nullable()
          .default(null),
      }),
    )
    .output(
      z.object({
        id: z.string(),
        code: z.string(),
        expiresAt: z.string(),
        maxUses: z.number().nullable(),
      }),
    )
    .mutation(({ ctx, input }) =>
      createInvite(ctx.db, ctx.workspace.workspaceId, ctx.user.id, {
        expiresInHours: input.expiresInHours,
        maxUses: input.maxUses,
      }),
    ),

  listInvites: workspaceAdminProcedure
    .output(
      z.array(
        z.object({
          id: z.string(),
          code: z.string(),
          createdBy: z.object({ id: z.string(), name: z.string() }).nullable(),
          createdAt: z.string(),
          expiresAt: z.string(),
          maxUses: z.number().nullable(),
          uses: z.number(),
          revokedAt: z.string().nullable(),
        }),
      ),
    )
    .query(({ ctx }) => listInvites(ctx.db, ctx.workspace.workspaceId)),

  revokeInvite: workspaceAdminProcedure
    .input(z.object({ inviteId: ZIdSchema("invite") }))
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => revokeInvite(ctx.db, ctx.workspace.workspaceId, input.inviteId)),

  /**
   * What an invite leads to, shown before joining (also before signing up:
   * whoever holds the code may know the workspace's name).
   */
  inviteInfo: publicProcedure
    .input(z.object({ code: ZInviteCodeSchema }))
    .output(
      z.object({
        workspaceName: z.string(),
        usable: z.boolean(),
        state: z.enum(["usable", "expired", "revoked", "used-up"]),
      }),
    )
    .query(({ ctx, input }) => describeInvite(ctx.db, input.code)),

  join: protectedProcedure
    .input(z.object({ code: ZInviteCodeSchema }))
    .output(z.object({ workspaceId: z.string() }))
    .mutation(({ ctx, input }) => joinWorkspace(ctx.db, ctx.user.id, input.code)),

  members: workspaceProcedure
    .output(
      z.array(
        z.object({
          userId: z.string(),
          name: z.string(),
          email: z.string(),
          status: z.string(),
          avatarUrl: z.string().nullable(),
          role: ZRole,
          joinedAt: z.string(),
        }),
      ),
    )
    .query(({ ctx }) => listMembers(ctx.db, ctx.workspace.workspaceId)),

  /**
   * Invites a person by email: they join only by accepting. The answer is the
   * same whether or not the address has an account. A mail with a link goes
   * to the address: it leads through sign-up or sign-in to the invitation.
   */
  addMember: workspaceAdminProcedure
    .input(z.object({ email: ZEmailSchema }))
    .output(ZInvitationSentSchema)
    .mutation(async ({ ctx, input }) => {
      await enforce(`invite:user:${ctx.user.id}`, env().RATE_LIMIT_INVITE, "invitations");
      const { token, ...sent } = await inviteByEmail(
        ctx.db,
        { workspaceId: ctx.workspace.workspaceId, userId: ctx.user.id },
        input.email,
      );
      const facts = await invitationMailFacts(ctx.db, ctx.workspace.workspaceId, ctx.user.id);
      void deliver(
        invitationMail(sent.email, {
          ...facts,
          link: `${publicOrigin(ctx.headers)}/invitations/${token}`,
          days: INVITATION_DAYS,
        }),
      );
      return sent;
    }),

  /** The workspace's open email invitations. */
  listInvitations: workspaceAdminProcedure
    .output(
      z.array(
        z.object({
          id: z.string(),
          email: z.string(),
          invitedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
          createdAt: z.string(),
          expiresAt: z.string(),
        }),
      ),
    )
    .query(({ ctx }) => listInvitations(ctx.db, ctx.workspace.workspaceId)),

  revokeInvitation: workspaceAdminProcedure
    .input(z.object({ invitationId: ZIdSchema("invitation") }))
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) =>
      revokeInvitation(ctx.db, ctx.workspace.workspaceId, input.invitationId),
    ),

  /** Open invitations addressed to my email. */
  myInvitations: protectedProcedure
    .output(
      z.array(
        z.object({
          id: z.string(),
          workspaceId: z.string(),
          workspaceName: z.string(),
          invitedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
          expiresAt: z.string(),
        }),
      ),
    )
    .query(({ ctx }) => listMyInvitations(ctx.db, ctx.user.id)),

  /** What a mailed invitation link leads to (anyone holding the link may ask). */
  invitationLink: publicProcedure
    .input(z.object({ token: ZInvitationTokenSchema }))
    .output(
      z.object({
        workspaceName: z.string(),
        email: z.string(),
        inviterName: z.string().nullable(),
        state: z.enum(["open", "accepted", "declined", "revoked", "expired"]),
      }),
    )
    .query(({ ctx, input }) => describeInvitationLink(ctx.db, input.token)),

  /**
   * Accepts an invitation through its mailed link, signed in with the invited
   * address (which counts as confirmed from then on).
   */
  acceptInvitationLink: protectedProcedure
    .input(z.object({ token: ZInvitationTokenSchema }))
    .output(z.object({ workspaceId: z.string() }))
    .mutation(({ ctx, input }) => acceptInvitationLink(ctx.db, ctx.user, input.token)),

  acceptInvitation: protectedProcedure
    .input(z.object({ invitationId: ZIdSchema("invitation") }))
    .output(z.object({ workspaceId: z.string() }))
    .mutation(({ ctx, input }) => acceptInvitation(ctx.db, ctx.user.id, input.invitationId)),

  declineInvitation: protectedProcedure
    .input(z.object({ invitationId: ZIdSchema("invitation") }))
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => declineInvitation(ctx.db, ctx.user.id, input.invitationId)),

  setRole: workspaceAdminProcedure
    .input(z.object({ userId: ZIdSchema("user"), role: ZWorkspaceRoleSchema }))
    .output(z.object({ userId: z.string(), role: ZRole }))
    .mutation(({ ctx, input }) =>
      setRole(ctx.db, { ...ctx.workspace, userId: ctx.user.id }, input.userId, input.role),
    ),

  removeMember: workspaceAdminProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(z.object({ userId: z.string() }))
    .mutation(({ ctx, input }) =>
      removeMember(
        ctx.db,
        ctx.changes,
        { ...ctx.workspace, userId: ctx.user.id, name: ctx.user.name },
        input.userId,
      ),
    ),

  /** Who in the workspace has the app open right now. */
  online: workspaceProcedure
    .output(z.array(z.string()))
    .query(({ ctx }) => presence().online(ctx.workspace.workspaceId)),

  /**
   * The one stream a browser tab needs: the workspace's sidebar (a full
   * snapshot on every (re)connect, then whole items as they change), who is
   * online, and — with channelId or conversationId — that target's changes
   * (tracked by position, resumable with lastEventId) and who is typing there.
   */
  onEvent: workspaceProcedure
    .input(
      z
        .object({
          channelId: ZIdSchema("channel").optional(),
          conversationId: ZIdSchema("conversation").optional(),
          lastEventId: ZPositionSchema.nullish(),
        })
        .refine((value) => !(value.channelId && value.conversationId), {
          message: "give at most one of channelId and conversationId",
          path: ["channelId"],
        }),
    )
    // Checked as middleware, so a refused stream never starts (a generator body runs only
    // when the stream is first read).
    .use(async ({ ctx, input, next }) => {
      const open = input.channelId || input.conversationId ? targetOf(input) : null;
      if (open) {
        const access = await loadTargetAccess(ctx.db, ctx.user.id, open);
        if (!access || access.workspaceId !== ctx.workspace.workspaceId) {
          throw new TRPCError({
            code: "NOT_FOUND",
            message: `${open.kind === "channel" ? "Channel" : "Conversation"} not found.`,
          });
        }
        if (access.kind === "channel" && !access.membership) {
          throw new TRPCError({ code: "FORBIDDEN", message: `Join #${access.name} to follow it.` });
        }
      }
      return next({ ctx: { open } });
    })
    .subscription(async function* ({ ctx, input, signal }) {
      const identity = { db: ctx.db, userId: ctx.user.id, authentication: ctx.authentication };
      const events = followWorkspace(
        identity,
        ctx.workspace.workspaceId,
        ctx.open,
        input.lastEventId ?? null,
        signal,
      );
      for await (const { position, event } of events) yield tracked(String(position), event);
    }),

  /** Everything in the workspace counts as read: channels, conversations, followed threads, activity. */
  markAllRead: workspaceProcedure
    .output(z.object({ channels: z.number(), conversations: z.number() }))
    .mutation(({ ctx }) =>
      markAllRead(ctx.db, ctx.changes, ctx.user.id, ctx.workspace.workspaceId),
    ),

  leave: workspaceProcedure
    .output(z.object({ userId: z.string() }))
    .mutation(({ ctx }) =>
      removeMember(
        ctx.db,
        ctx.changes,
        { ...ctx.workspace, userId: ctx.user.id, name: ctx.user.name },
        ctx.user.id,
      ),
    ),
});
