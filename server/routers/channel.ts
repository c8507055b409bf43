import { z } from "zod";
import { getChannel, listChannelMembers, listChannels } from "@/server/channels/read";
import {
  addChannelMember,
  createChannel,
  removeChannelMember,
  setArchived,
  updateChannel,
} from "@/server/channels/write";
import { listPins } from "@/server/messages/read";
import { sayTyping } from "@/server/messages/write";
import { setNotifications } from "@/server/notifications/write";
import { followTyping } from "@/server/realtime/typing";
import {
  expected,
  ZBroadcastPolicySchema,
  ZChannelListItemSchema,
  ZChannelNameSchema,
  ZCursorSchema,
  ZIdSchema,
  ZLimitSchema,
  ZMessageSchema,
  ZNotifyLevelSchema,
  ZPageSchema,
  ZTopicSchema,
} from "@/server/schemas";
import {
  channelAdminProcedure,
  channelProcedure,
  channelVisibleProcedure,
  router,
  targetProcedure,
  workspaceProcedure,
} from "@/server/trpc";

const ZMembershipSchema = z.object({ channelId: z.string(), userId: z.string() });

export const channelRouter = router({
  create: workspaceProcedure
    .input(
      z.object({
        name: ZChannelNameSchema,
        isPrivate: z.boolean(expected("true or false")).default(false),
        topic: ZTopicSchema.optional(),
      }),
    )
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) =>
      createChannel(ctx.db, ctx.changes, ctx.user.id, ctx.workspace.workspaceId, input),
    ),

  /** Public channels and the private ones I am in, with my read position and exact unread counts. */
  list: workspaceProcedure
    .output(z.array(ZChannelListItemSchema))
    .query(({ ctx }) => listChannels(ctx.db, ctx.user.id, ctx.workspace.workspaceId)),

  get: channelVisibleProcedure
    .output(
      ZChannelListItemSchema.extend({
        workspaceId: z.string(),
        memberCount: z.number(),
        /** The channel's position now: pass it as lastEventId to stream what happens after a read. */
        lastRevision: z.number(),
        createdAt: z.string(),
      }),
    )
    .query(({ ctx }) => getChannel(ctx.db, ctx.user.id, ctx.channel)),

  members: channelVisibleProcedure
    .output(
      z.array(
        z.object({ userId: z.string(), name: z.string(), role: z.enum(["admin", "member"]) }),
      ),
    )
    .query(({ ctx }) => listChannelMembers(ctx.db, ctx.channel.id)),

  /** Joins a public channel (private ones are joined by being added). */
  join: channelVisibleProcedure
    .output(ZMembershipSchema.extend({ added: z.boolean() }))
    .mutation(({ ctx }) => addChannelMember(ctx.db, ctx.changes, ctx.channel, ctx.user.id)),

  leave: channelProcedure
    .output(ZMembershipSchema)
    .mutation(({ ctx }) =>
      removeChannelMember(
        ctx.db,
        ctx.changes,
        ctx.channel,
        ctx.user.id,
        `You left #${ctx.channel.name}.`,
      ),
    ),

  /** Any member may bring in another workspace member. */
  addMember: channelProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(ZMembershipSchema.extend({ added: z.boolean() }))
    .mutation(({ ctx, input }) => addChannelMember(ctx.db, ctx.changes, ctx.channel, input.userId)),

  removeMember: channelAdminProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(ZMembershipSchema)
    .mutation(({ ctx, input }) =>
      removeChannelMember(
        ctx.db,
        ctx.changes,
        ctx.channel,
        input.userId,
        `${ctx.user.name} removed you from #${ctx.channel.name}.`,
      ),
    ),

  update: channelAdminProcedure
    .input(
      z.object({
        name: ZChannelNameSchema.optional(),
        topic: ZTopicSchema.optional(),
        broadcast: ZBroadcastPolicySchema.optional(),
      }),
    )
    .output(
      z.object({
        id: z.string(),
        name: z.string(),
        topic: z.string(),
        broadcast: ZBroadcastPolicySchema,
      }),
    )
    .mutation(({ ctx, input }) =>
      updateChannel(ctx.db, ctx.changes, ctx.user.id, ctx.channel, input),
    ),

  /** Archived channels are read-only: no sends, edits, deletions or reactions. */
  archive: channelAdminProcedure
    .output(z.object({ id: z.string(), archivedAt: z.string().nullable() }))
    .mutation(({ ctx }) => setArchived(ctx.db, ctx.changes, ctx.channel, true)),

  unarchive: channelAdminProcedure
    .output(z.object({ id: z.string(), archivedAt: z.string().nullable() }))
    .mutation(({ ctx }) => setArchived(ctx.db, ctx.changes, ctx.channel, false)),

  /** The pinned messages of a channel or conversation, most recently pinned first; paged. */
  pins: targetProcedure
    .input(z.object({ cursor: ZCursorSchema("list"), limit: ZLimitSchema(100, 50) }))
    .output(ZPageSchema(ZMessageSchema))
    .query(({ ctx, input }) => listPins(ctx.db, ctx.target, input)),

  /** When I am told about a channel or conversation, and whether it is muted. */
  setNotifications: targetProcedure
    .input(
      z.object({
        level: ZNotifyLevelSchema.optional(),
        muted: z.boolean(expected("true or false")).optional(),
      }),
    )
    .output(z.object({ level: ZNotifyLevelSchema, muted: z.boolean() }))
    .mutation(({ ctx, input }) =>
      setNotifications(ctx.db, ctx.changes, ctx.user.id, ctx.target, input),
    ),

  /** Says I am typing in a channel or conversation; members see it for 5 s unless I say it again. */
  typing: targetProcedure
    .input(z.object({ threadId: ZIdSchema("message").optional() }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await sayTyping(ctx.db, ctx.changes, ctx.target, {
        userId: ctx.user.id,
        name: ctx.user.name,
        threadId: input.threadId ?? null,
      });
      return { ok: true as const };
    }),

  /** Who is typing in a channel or conversation, as the whole list each time it changes. */
  onTyping: targetProcedure.subscription(({ ctx, signal }) =>
    followTyping(
      { db: ctx.db, userId: ctx.user.id, authentication: ctx.authentication },
      ctx.target,
      signal,
    ),
  ),
});
