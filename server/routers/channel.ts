import { z } from "zod";
import {
  addChannelMember,
  createChannel,
  getChannel,
  listChannelMembers,
  listChannels,
  removeChannelMember,
  setArchived,
  updateChannel,
} from "@/server/channels/service";
import { announceAccessChange } from "@/server/realtime/bus";
import {
  expected,
  ZChannelListItemSchema,
  ZChannelNameSchema,
  ZIdSchema,
  ZTopicSchema,
} from "@/server/schemas";
import {
  channelAdminProcedure,
  channelProcedure,
  channelVisibleProcedure,
  router,
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
      createChannel(ctx.db, ctx.user.id, ctx.workspace.workspaceId, input),
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
    .mutation(({ ctx }) => addChannelMember(ctx.db, ctx.channel, ctx.user.id)),

  leave: channelProcedure.output(ZMembershipSchema).mutation(async ({ ctx }) => {
    const result = await removeChannelMember(ctx.db, ctx.channel.id, ctx.user.id);
    announceAccessChange(ctx.user.id, "left a channel");
    return result;
  }),

  /** Any member may bring in another workspace member. */
  addMember: channelProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(ZMembershipSchema.extend({ added: z.boolean() }))
    .mutation(({ ctx, input }) => addChannelMember(ctx.db, ctx.channel, input.userId)),

  removeMember: channelAdminProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(ZMembershipSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await removeChannelMember(ctx.db, ctx.channel.id, input.userId);
      announceAccessChange(input.userId, "removed from a channel");
      return result;
    }),

  update: channelAdminProcedure
    .input(z.object({ name: ZChannelNameSchema.optional(), topic: ZTopicSchema.optional() }))
    .output(z.object({ id: z.string(), name: z.string(), topic: z.string() }))
    .mutation(({ ctx, input }) => updateChannel(ctx.db, ctx.channel, input)),

  /** Archived channels are read-only: no sends, edits, deletions or reactions. */
  archive: channelAdminProcedure
    .output(z.object({ id: z.string(), archivedAt: z.string().nullable() }))
    .mutation(({ ctx }) => setArchived(ctx.db, ctx.channel.id, true)),

  unarchive: channelAdminProcedure
    .output(z.object({ id: z.string(), archivedAt: z.string().nullable() }))
    .mutation(({ ctx }) => setArchived(ctx.db, ctx.channel.id, false)),
});
