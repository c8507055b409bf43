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
import {
  announceAccessChange,
  announceSidebarChange,
  announceWorkspaceSidebarChange,
} from "@/server/realtime/bus";
import { AsyncQueue } from "@/server/realtime/queue";
import { accessLost, watchAccess } from "@/server/realtime/streams";
import { announceTyping, type Typist, watchTyping } from "@/server/realtime/typing";
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
    .mutation(async ({ ctx, input }) => {
      const created = await createChannel(ctx.db, ctx.user.id, ctx.workspace.workspaceId, input);
      announceWorkspaceSidebarChange(ctx.workspace.workspaceId, { channelIds: [created.id] });
      return created;
    }),

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
    .mutation(async ({ ctx }) => {
      const result = await addChannelMember(ctx.db, ctx.channel, ctx.user.id);
      announceSidebarChange(ctx.user.id, { channelIds: [ctx.channel.id] });
      return result;
    }),

  leave: channelProcedure.output(ZMembershipSchema).mutation(async ({ ctx }) => {
    const result = await removeChannelMember(ctx.db, ctx.channel.id, ctx.user.id);
    announceAccessChange(ctx.user.id, "left a channel");
    announceSidebarChange(ctx.user.id, { channelIds: [ctx.channel.id] });
    return result;
  }),

  /** Any member may bring in another workspace member. */
  addMember: channelProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(ZMembershipSchema.extend({ added: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const result = await addChannelMember(ctx.db, ctx.channel, input.userId);
      announceSidebarChange(input.userId, { channelIds: [ctx.channel.id] });
      return result;
    }),

  removeMember: channelAdminProcedure
    .input(z.object({ userId: ZIdSchema("user") }))
    .output(ZMembershipSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await removeChannelMember(ctx.db, ctx.channel.id, input.userId);
      announceAccessChange(input.userId, "removed from a channel");
      announceSidebarChange(input.userId, { channelIds: [ctx.channel.id] });
      return result;
    }),

  update: channelAdminProcedure
    .input(z.object({ name: ZChannelNameSchema.optional(), topic: ZTopicSchema.optional() }))
    .output(z.object({ id: z.string(), name: z.string(), topic: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const updated = await updateChannel(ctx.db, ctx.channel, input);
      announceWorkspaceSidebarChange(ctx.channel.workspaceId, { channelIds: [ctx.channel.id] });
      return updated;
    }),

  /** Archived channels are read-only: no sends, edits, deletions or reactions. */
  archive: channelAdminProcedure
    .output(z.object({ id: z.string(), archivedAt: z.string().nullable() }))
    .mutation(async ({ ctx }) => {
      const result = await setArchived(ctx.db, ctx.channel.id, true);
      announceWorkspaceSidebarChange(ctx.channel.workspaceId, { channelIds: [ctx.channel.id] });
      return result;
    }),

  unarchive: channelAdminProcedure
    .output(z.object({ id: z.string(), archivedAt: z.string().nullable() }))
    .mutation(async ({ ctx }) => {
      const result = await setArchived(ctx.db, ctx.channel.id, false);
      announceWorkspaceSidebarChange(ctx.channel.workspaceId, { channelIds: [ctx.channel.id] });
      return result;
    }),

  /** Says I am typing in a channel or conversation; members see it for 5 s unless I say it again. */
  typing: targetProcedure.output(z.object({ ok: z.literal(true) })).mutation(({ ctx }) => {
    announceTyping(
      { kind: ctx.target.kind, id: ctx.target.id },
      { userId: ctx.user.id, name: ctx.user.name },
    );
    return { ok: true as const };
  }),

  /** Who is typing in a channel or conversation, as the whole list each time it changes. */
  onTyping: targetProcedure.subscription(async function* ({ ctx, signal }) {
    const target = { kind: ctx.target.kind, id: ctx.target.id };
    const queue = new AsyncQueue<Typist[]>();
    const watching = watchTyping(target, (typists) => queue.push(typists));
    const identity = { db: ctx.db, userId: ctx.user.id, authentication: ctx.authentication };
    let lost: string | null = null;
    const stopWatching = watchAccess(
      identity,
      () => accessLost(identity, target),
      (reason) => {
        lost = reason;
        queue.close();
      },
    );
    const stop = () => queue.close();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      yield { type: "typing" as const, typists: watching.current };
      for (let typists = await queue.next(); typists; typists = await queue.next()) {
        yield { type: "typing" as const, typists };
      }
      if (lost) yield { type: "stream.closed" as const, reason: lost };
    } finally {
      signal?.removeEventListener("abort", stop);
      stopWatching();
      watching.stop();
    }
  }),
});
