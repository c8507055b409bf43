/**
 * tRPC: the one `initTRPC`, the request context, the error formatter and the
 * procedure tiers. Each membership tier reads its id from the input, loads
 * the membership (server/access.ts), throws NOT_FOUND or FORBIDDEN, and puts
 * what it loaded in the context, so procedure bodies never check access.
 *
 *   publicProcedure
 *   └ protectedProcedure             signed in (session cookie or API token)
 *     ├ browserSessionProcedure      … with a browser session, not a token (credentials, tokens)
 *     ├ workspaceProcedure           { workspaceId }: a member
 *     │ └ workspaceAdminProcedure    … an owner or admin
 *     ├ channelVisibleProcedure      { channelId }: may see it (public, or a member)
 *     │ ├ channelProcedure           … and a member
 *     │ └ channelAdminProcedure      … channel admin or workspace owner/admin
 *     ├ conversationProcedure        { conversationId }: a member
 *     ├ targetProcedure              { channelId } or { conversationId }: a member
 *     │ └ targetWriteProcedure       … and not archived
 *     ├ messageProcedure             { messageId }: a member of its target
 *     │ ├ messageWriteProcedure      … target writable
 *     │ ├ messageAuthorProcedure     … its author, target writable
 *     │ └ messageModeratorProcedure  … its author or a moderator, target writable
 *     └ fileProcedure                { fileId }: may read it (as its message; unattached: its uploader)
 *       └ fileUploaderProcedure      … its uploader, and no message has it yet
 */
import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db } from "@/db/client";
import { type Target, targetOf } from "@/lib/target";
import {
  type ChannelAccess,
  canModerate,
  canReadFile,
  isWorkspaceAdmin,
  loadChannelAccess,
  loadConversationAccess,
  loadFileRef,
  loadMessageRef,
  loadMessageRefAt,
  loadTargetAccess,
  loadWorkspaceAccess,
  type MessageRef,
  type TargetAccess,
} from "./access";
import { ChangeSet } from "./changes";
import { AppError } from "./errors";
import { log } from "./log";
import { publish } from "./realtime/publish";
import type { SessionUser } from "./users/read";

export type Authentication =
  /** `sessionId` names the server-side session row; server-side callers built by tests have none. */
  { kind: "session"; sessionId?: string } | { kind: "token"; tokenId: string };

export interface Context {
  db: Db;
  user: SessionUser | null;
  authentication: Authentication | null;
  /** Why a presented credential was refused (e.g. a revoked token). */
  authProblem?: string;
  /** A session cookie came that could not be checked (the database is unreachable). */
  sessionUnverified?: boolean;
  headers: Headers;
  /**
   * The client's bucket for per-address rate limits (server/http: from the
   * TCP peer and trusted proxies only); null when exempt (a loopback peer,
   * and server-side callers).
   */
  clientAddress: string | null;
  /** Where procedures may set response headers (HTTP only). */
  resHeaders?: Headers;
}

export function createContextInner(context: Partial<Context> & { db: Db }): Context {
  return {
    user: null,
    authentication: null,
    headers: new Headers(),
    clientAddress: null,
    ...context,
  };
}

interface ZodLikeError {
  issues: { path: PropertyKey[]; message: string }[];
}
const isZodError = (error: unknown): error is ZodLikeError =>
  Array.isArray((error as ZodLikeError | undefined)?.issues);

/** `{ "body": ["Too long"] }`, with nested paths dotted. */
function fieldErrors(error: ZodLikeError) {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "input";
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  return fields;
}

/** A fault's id, logged with its detail (the failed statement, its parameters, the stack). */
function logFault(error: Error, path: string | undefined): string {
  const errorId = randomUUID();
  log().error({ errorId, path, err: error.cause ?? error }, "procedure failed");
  return errorId;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, path }) {
    // Faults tell the client an id and a sentence, never the statement or stack behind them.
    const errorId = error.code === "INTERNAL_SERVER_ERROR" ? logFault(error, path) : null;
    const zodError =
      error.code === "BAD_REQUEST" && isZodError(error.cause) ? error.cause : undefined;
    const fields = zodError ? fieldErrors(zodError) : null;
    const retryAfterSeconds =
      error.cause instanceof AppError ? error.cause.retryAfterSeconds : undefined;
    let message = shape.message;
    if (errorId)
      message = `Something went wrong on our side (error ${errorId}). Try again; if it keeps happening, report this id.`;
    else if (fields)
      message = Object.entries(fields)
        .map(([field, messages]) => `${field}: ${messages.join("; ")}`)
        .join("\n");
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        stack: errorId ? undefined : shape.data.stack,
        errorId,
        fieldErrors: fields,
        retryAfterSeconds: retryAfterSeconds ?? null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Domain code throws AppError; this gives it its tRPC code and keeps its message. */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

/**
 * Gives the procedure a ChangeSet to record what it changes and, once it has
 * succeeded (every transaction in it committed), announces those changes:
 * the one place anything is published.
 */
const publishAfterCommit = t.middleware(async ({ next }) => {
  const changes = new ChangeSet();
  const result = await next({ ctx: { changes } });
  if (result.ok) publish(changes);
  return result;
});

export const publicProcedure = t.procedure.use(appErrors).use(publishAfterCommit);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.sessionUnverified) {
    throw new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "Your sign-in could not be checked just now; try again in a moment.",
    });
  }
  if (!ctx.user || !ctx.authentication) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: ctx.authProblem ?? "Sign in or send an API token to do this.",
    });
  }
  return next({ ctx: { user: ctx.user, authentication: ctx.authentication } });
});

/**
 * Managing credentials (API tokens, the password, sessions) needs a browser
 * session: a leaked API token must not be able to mint its successors or
 * lock its owner out.
 */
export const browserSessionProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.authentication.kind !== "session") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message:
        "API tokens cannot manage tokens, passwords or sessions; do this in the web app, signed in.",
    });
  }
  return next({ ctx: { authentication: ctx.authentication } });
});

const id = (what: string) => z.uuid({ error: `must be a valid ${what} id (a UUID)` });

function notFound(what: string): never {
  throw new TRPCError({ code: "NOT_FOUND", message: `${what} not found.` });
}

export const workspaceProcedure = protectedProcedure
  .input(z.object({ workspaceId: id("workspace") }))
  .use(async ({ ctx, input, next }) => {
    const workspace = await loadWorkspaceAccess(ctx.db, ctx.user.id, input.workspaceId);
    if (!workspace) notFound("Workspace");
    return next({ ctx: { workspace } });
  });

export const workspaceAdminProcedure = workspaceProcedure.use(({ ctx, next }) => {
  if (!isWorkspaceAdmin(ctx.workspace.role)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Only workspace owners and admins can do this.",
    });
  }
  return next();
});

export const channelVisibleProcedure = protectedProcedure
  .input(z.object({ channelId: id("channel") }))
  .use(async ({ ctx, input, next }) => {
    const channel = await loadChannelAccess(ctx.db, ctx.user.id, input.channelId);
    if (!channel) notFound("Channel");
    return next({ ctx: { channel } });
  });

function requireChannelMember(channel: ChannelAccess) {
  if (!channel.membership) {
    throw new TRPCError({ code: "FORBIDDEN", message: `Join #${channel.name} to do this.` });
  }
  return { ...channel, membership: channel.membership };
}

export const channelProcedure = channelVisibleProcedure.use(({ ctx, next }) =>
  next({ ctx: { channel: requireChannelMember(ctx.channel) } }),
);

export const channelAdminProcedure = channelVisibleProcedure.use(({ ctx, next }) => {
  if (ctx.channel.membership?.role !== "admin" && !isWorkspaceAdmin(ctx.channel.workspaceRole)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `Only admins of #${ctx.channel.name} and workspace owners and admins can do this.`,
    });
  }
  return next();
});

export const conversationProcedure = protectedProcedure
  .input(z.object({ conversationId: id("conversation") }))
  .use(async ({ ctx, input, next }) => {
    const conversation = await loadConversationAccess(ctx.db, ctx.user.id, input.conversationId);
    if (!conversation) notFound("Conversation");
    return next({ ctx: { conversation } });
  });

/** Input naming exactly one channel or conversation. */
export const targetInput = z
  .object({ channelId: id("channel").optional(), conversationId: id("conversation").optional() })
  .refine((value) => (value.channelId === undefined) !== (value.conversationId === undefined), {
    message: "give exactly one of channelId and conversationId",
    path: ["channelId"],
  });

async function requireTargetMember(db: Db, userId: string, target: Target): Promise<TargetAccess> {
  const access = await loadTargetAccess(db, userId, target);
  if (!access) notFound(target.kind === "channel" ? "Channel" : "Conversation");
  if (access.kind === "channel") return requireChannelMember(access);
  return access;
}

function requireWritable(access: TargetAccess) {
  if (access.archived) {
    throw new TRPCError({ code: "FORBIDDEN", message: "This channel is archived and read-only." });
  }
}

export const targetProcedure = protectedProcedure
  .input(targetInput)
  .use(async ({ ctx, input, next }) => {
    const target = await requireTargetMember(ctx.db, ctx.user.id, targetOf(input));
    return next({ ctx: { target } });
  });

export const targetWriteProcedure = targetProcedure.use(({ ctx, next }) => {
  requireWritable(ctx.target);
  return next();
});

/** The message and its target's access, for a member of the target; NOT_FOUND otherwise. */
async function requireMessage(db: Db, userId: string, message: MessageRef | null) {
  if (!message) notFound("Message");
  // A message in a place you cannot see is, to you, a message that does not exist.
  const access = await loadTargetAccess(db, userId, message.target);
  if (!access) notFound("Message");
  return { message, target: access.kind === "channel" ? requireChannelMember(access) : access };
}

export const messageProcedure = protectedProcedure
  .input(z.object({ messageId: id("message") }))
  .use(async ({ ctx, input, next }) =>
    next({
      ctx: await requireMessage(ctx.db, ctx.user.id, await loadMessageRef(ctx.db, input.messageId)),
    }),
  );

/** `{ messageId }`, or a position: `{ channelId | conversationId, sequence }`. */
export const messageAtProcedure = protectedProcedure
  .input(
    z
      .object({
        messageId: id("message").optional(),
        channelId: id("channel").optional(),
        conversationId: id("conversation").optional(),
        sequence: z
          .number({ error: "must be a number" })
          .int("must be a whole number")
          .min(1, "must be at least 1")
          .max(2_147_483_647, "is too large")
          .optional(),
      })
      .superRefine((value, ctx) => {
        const place = value.channelId ?? value.conversationId;
        if (value.messageId !== undefined) {
          if (place !== undefined || value.sequence !== undefined)
            ctx.addIssue({
              code: "custom",
              path: ["messageId"],
              message:
                "give either messageId or a place (channelId or conversationId, and sequence)",
            });
          return;
        }
        if ((value.channelId === undefined) === (value.conversationId === undefined))
          ctx.addIssue({
            code: "custom",
            // Named after what the caller seems to have meant: a place when a sequence came.
            path: [value.sequence === undefined && place === undefined ? "messageId" : "channelId"],
            message:
              "give messageId, or exactly one of channelId and conversationId with a sequence",
          });
        else if (value.sequence === undefined)
          ctx.addIssue({ code: "custom", path: ["sequence"], message: "is required with a place" });
      }),
  )
  .use(async ({ ctx, input, next }) => {
    const ref = input.messageId
      ? await loadMessageRef(ctx.db, input.messageId)
      : await loadMessageRefAt(ctx.db, targetOf(input), input.sequence as number);
    return next({ ctx: await requireMessage(ctx.db, ctx.user.id, ref) });
  });

export const messageWriteProcedure = messageProcedure.use(({ ctx, next }) => {
  requireWritable(ctx.target);
  return next();
});

export const messageAuthorProcedure = messageProcedure.use(({ ctx, next }) => {
  if (ctx.message.authorId !== ctx.user.id) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Only the author can edit a message." });
  }
  requireWritable(ctx.target);
  return next();
});

export const messageModeratorProcedure = messageProcedure.use(({ ctx, next }) => {
  if (ctx.message.authorId !== ctx.user.id && !canModerate(ctx.target)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Only the author, channel admins and workspace admins can delete a message.",
    });
  }
  requireWritable(ctx.target);
  return next();
});

/** A file the caller may read now: NOT_FOUND otherwise, as for a message they cannot see. */
export const fileProcedure = protectedProcedure
  .input(z.object({ fileId: id("file") }))
  .use(async ({ ctx, input, next }) => {
    const file = await loadFileRef(ctx.db, input.fileId);
    if (!file || !(await canReadFile(ctx.db, ctx.user.id, file))) notFound("File");
    return next({ ctx: { file } });
  });

export const fileUploaderProcedure = fileProcedure.use(({ ctx, next }) => {
  if (ctx.file.uploaderId !== ctx.user.id || ctx.file.message) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message:
        "This file is attached to a message; only an upload of yours no message took can be finished or discarded.",
    });
  }
  return next();
});
