/**
 * The authorization matrix: every procedure of AppRouter, called by every
 * kind of caller, on a public channel, a private channel and a conversation
 * (or, for workspace- and user-level procedures, on the workspace or on
 * nobody's resource in particular), with the expected outcome of each cell.
 *
 * The matrix is checked against the router itself: a procedure without a row
 * fails the suite, so nothing ships unchecked.
 *
 * Every cell runs in its own transaction that is rolled back afterwards, so
 * each starts from the same state: a message a cell deletes, a member a cell
 * removes or a channel a cell archives is back for the next cell. A cell's
 * own fixtures (a fresh message to edit, a token to revoke) are made inside
 * its transaction and vanish with it.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, test } from "vitest";
import type { Db } from "@/db/client";
import { loadMessageRef, type MessageRef } from "@/server/access";
import { issueEmailToken } from "@/server/auth/email-tokens";
import { ChangeSet } from "@/server/changes";
import { uploadWhole } from "@/server/files/write";
import { setReaction } from "@/server/messages/write";
import { appRouter } from "@/server/routers/_app";
import { inviteByEmail } from "@/server/workspaces/write";
import {
  anonymous,
  asUser,
  type Caller,
  newUser,
  newWorkspace,
  type TestUser,
  withToken,
} from "@/testing/api";
import { testDatabase } from "@/testing/db";
import { type Scope, type Snapshot, snapshot } from "@/testing/snapshot";

const { db } = testDatabase("pg", 10);

// The callers, in the order of the matrix's columns.
const ACTORS = [
  "anonymous", // no credentials
  "revokedToken", // a revoked API token of the channel member
  "outsider", // member of another workspace only
  "workspaceMember", // in the workspace, not in the channel or conversation
  "channelMember", // in the channel; in the conversation
  "removedMember", // was in the channel, removed by its admin; never in the conversation
  "channelCreator", // created the channel (its admin); opened the conversation
  "workspaceAdmin", // workspace admin, not in the channel or conversation
  "workspaceOwner", // workspace owner, a plain member of the channel and in the conversation
] as const;
type Actor = (typeof ACTORS)[number];

/** Where a cell runs: nothing in particular, the workspace, or one of the message targets. */
type Scenario = "user" | "workspace" | "public" | "private" | "conversation";

type Outcome = "ok" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";
const ABBREVIATIONS: Record<string, Outcome> = {
  ok: "ok",
  U: "UNAUTHORIZED",
  F: "FORBIDDEN",
  N: "NOT_FOUND",
};

/** Non-actors the fixtures need: targets of member management, a second owner, a DM partner. */
type Extra = "coOwner" | "participant" | "bystander";

interface World {
  users: Record<Exclude<Actor, "anonymous" | "revokedToken"> | Extra, TestUser>;
  workspaceId: string;
  inviteId: string;
  inviteCode: string;
  revokedToken: string;
  bystanderTokenId: string;
  targets: {
    public: { channelId: string };
    private: { channelId: string };
    conversation: { conversationId: string };
  };
}

interface Cell {
  api: Caller;
  /** The cell's transaction. */
  db: Db;
  world: World;
  scenario: Scenario;
  /** Whose credentials the call carries (the revoked token's owner for revokedToken). */
  user: TestUser | null;
  /** The channel or conversation of a target scenario. */
  target: { channelId: string } | { conversationId: string };
}

interface Row {
  procedure: string;
  /** Tells apart several rows of one procedure. */
  variant?: string;
  /**
   * Expected outcomes per scenario, one per actor in ACTORS order:
   * ok, U (UNAUTHORIZED), F (FORBIDDEN) or N (NOT_FOUND).
   */
  expect: Partial<Record<Scenario, string>>;
  run(cell: Cell): Promise<unknown>;
}

const channelOf = (cell: Cell) => {
  if (!("channelId" in cell.target)) throw new Error(`${cell.scenario} has no channel`);
  return cell.target.channelId;
};

/** A new message in the cell's target by one of the fixture's people. */
async function messageBy(cell: Cell, author: TestUser) {
  const message = await asUser(cell.db, author).message.send({
    ...cell.target,
    body: `by ${author.name}`,
    clientMessageId: randomUUID(),
  });
  return message.id;
}

const uniqueEmail = () => `someone.${randomUUID()}@example.test`;

/** A stored upload in the world's workspace by `uploader`, made in the cell's transaction. */
async function uploadBy(cell: Cell, uploader: TestUser) {
  const bytes = Buffer.from("a file for the matrix");
  const file = await uploadWhole(
    cell.db,
    { workspaceId: cell.world.workspaceId, uploaderId: uploader.id, name: "matrix.txt" },
    Readable.from([bytes]),
    bytes.length,
  );
  return file.id;
}

/** A file attached to a new message in the cell's target, by someone in every target. */
async function attachedFile(cell: Cell) {
  const { participant } = cell.world.users;
  const fileId = await uploadBy(cell, participant);
  await asUser(cell.db, participant).message.send({
    ...cell.target,
    body: "with a file",
    clientMessageId: randomUUID(),
    fileIds: [fileId],
  });
  return fileId;
}

/** An invitation to the world's workspace for `email`, made in the cell's transaction by its owner. */
async function invitationFor(cell: Cell, email: string) {
  const { invitationId } = await inviteByEmail(
    cell.db,
    { workspaceId: cell.world.workspaceId, userId: cell.world.users.workspaceOwner.id },
    email,
  );
  return invitationId;
}

// Expected outcomes shared by several rows, one column per actor.
// biome-ignore format: a table, aligned by column
const LINE = {
  //              anon  revoked outsider wsMember chMember removed creator wsAdmin owner
  anyone:        "ok    ok      ok       ok       ok       ok      ok      ok      ok",
  signedIn:      "U     U       ok       ok       ok       ok      ok      ok      ok",
  othersToken:   "U     U       N        N        N        N       N       N       N",
  wsMembers:     "U     U       N        ok       ok       ok      ok      ok      ok",
  wsAdmins:      "U     U       N        F        F        F       F       ok      ok",
  othersInvite:  "U     U       F        F        F        F       F       F       F",
  // A public channel: anyone in the workspace sees it; members-only operations are FORBIDDEN.
  seePublic:     "U     U       N        ok       ok       ok      ok      ok      ok",
  memberPublic:  "U     U       N        F        ok       F       ok      F       ok",
  adminPublic:   "U     U       N        F        F        F       ok      ok      ok",
  // A private channel or a conversation: to non-members it does not exist.
  memberHidden:  "U     U       N        N        ok       N       ok      N       ok",
  adminPrivate:  "U     U       N        N        F        N       ok      N       ok",
  // A file attached in a target: readers of the target may read it, but not finish or discard it.
  attachedFile:  "U     U       N        N        F        N       F       N       F",
};

const SEE_CHANNEL = { public: LINE.seePublic, private: LINE.memberHidden };
const CHANNEL_MEMBERS = { public: LINE.memberPublic, private: LINE.memberHidden };
const CHANNEL_ADMINS = { public: LINE.adminPublic, private: LINE.adminPrivate };
const TARGET_MEMBERS = {
  public: LINE.memberPublic,
  private: LINE.memberHidden,
  conversation: LINE.memberHidden,
};

/** A file attached in a target is read exactly as its message: by members of the target only. */
const FILE_READERS = {
  public: LINE.memberHidden,
  private: LINE.memberHidden,
  conversation: LINE.memberHidden,
};
const ATTACHED_FILE = {
  public: LINE.attachedFile,
  private: LINE.attachedFile,
  conversation: LINE.attachedFile,
};

const ROWS: Row[] = [
  // User-level: only whether the caller is signed in matters.
  {
    procedure: "auth.signUp",
    expect: { user: LINE.anyone },
    run: ({ api }) =>
      api.auth.signUp({
        email: uniqueEmail(),
        name: "Someone",
        password: "correct horse battery staple",
      }),
  },
  { procedure: "user.me", expect: { user: LINE.signedIn }, run: ({ api }) => api.user.me() },
  {
    procedure: "user.changePassword",
    expect: { user: LINE.signedIn },
    run: ({ api }) =>
      api.user.changePassword({
        currentPassword: "correct horse battery staple",
        newPassword: "a brand new passphrase",
        signOutEverywhere: true,
      }),
  },
  {
    procedure: "user.signOutEverywhere",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.user.signOutEverywhere({}),
  },
  {
    procedure: "workspace.myInvitations",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.workspace.myInvitations(),
  },
  {
    // Accepting an invitation to one's own address (members already in: nothing changes).
    procedure: "workspace.acceptInvitation",
    variant: "own invitation",
    expect: { user: LINE.signedIn },
    run: async (cell) => {
      const invitationId = await invitationFor(cell, cell.user?.email ?? uniqueEmail());
      return cell.api.workspace.acceptInvitation({ invitationId });
    },
  },
  {
    procedure: "workspace.acceptInvitation",
    variant: "someone else's invitation",
    expect: { user: LINE.othersToken },
    run: async (cell) => {
      const invitationId = await invitationFor(cell, cell.world.users.bystander.email);
      return cell.api.workspace.acceptInvitation({ invitationId });
    },
  },
  {
    procedure: "workspace.declineInvitation",
    variant: "own invitation",
    expect: { user: LINE.signedIn },
    run: async (cell) => {
      const invitationId = await invitationFor(cell, cell.user?.email ?? uniqueEmail());
      return cell.api.workspace.declineInvitation({ invitationId });
    },
  },
  {
    procedure: "workspace.declineInvitation",
    variant: "someone else's invitation",
    expect: { user: LINE.othersToken },
    run: async (cell) => {
      const invitationId = await invitationFor(cell, cell.world.users.bystander.email);
      return cell.api.workspace.declineInvitation({ invitationId });
    },
  },
  {
    procedure: "token.create",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.token.create({ name: "bot" }),
  },
  { procedure: "token.list", expect: { user: LINE.signedIn }, run: ({ api }) => api.token.list() },
  {
    procedure: "token.revoke",
    variant: "own token",
    expect: { user: LINE.signedIn },
    run: async (cell) => {
      const owner = cell.user ?? cell.world.users.channelMember;
      const { id } = await asUser(cell.db, owner).token.create({ name: "to revoke" });
      return cell.api.token.revoke({ tokenId: id });
    },
  },
  {
    procedure: "token.revoke",
    variant: "someone else's token",
    expect: { user: LINE.othersToken },
    run: ({ api, world }) => api.token.revoke({ tokenId: world.bystanderTokenId }),
  },
  {
    procedure: "workspace.create",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.workspace.create({ name: "Another workspace" }),
  },
  {
    procedure: "workspace.list",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.workspace.list(),
  },
  {
    // Holding the code is what it takes; the sign-up page names the workspace.
    procedure: "workspace.inviteInfo",
    expect: { user: LINE.anyone },
    run: ({ api, world }) => api.workspace.inviteInfo({ code: world.inviteCode }),
  },
  {
    procedure: "workspace.join",
    expect: { user: LINE.signedIn },
    run: ({ api, world }) => api.workspace.join({ code: world.inviteCode }),
  },

  // Workspace-level.
  {
    procedure: "workspace.get",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.workspace.get({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "workspace.createInvite",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.workspace.createInvite({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "workspace.listInvites",
    expect: { workspace: LINE.wsAdmins },
    run: ({ api, world }) => api.workspace.listInvites({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "workspace.revokeInvite",
    expect: { workspace: LINE.wsAdmins },
    run: ({ api, world }) =>
      api.workspace.revokeInvite({ workspaceId: world.workspaceId, inviteId: world.inviteId }),
  },
  {
    procedure: "workspace.members",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.workspace.members({ workspaceId: world.workspaceId }),
  },
  {
    // Invites by email (the person joins only by accepting).
    procedure: "workspace.addMember",
    expect: { workspace: LINE.wsAdmins },
    run: ({ api, world }) =>
      api.workspace.addMember({ workspaceId: world.workspaceId, email: uniqueEmail() }),
  },
  {
    procedure: "workspace.listInvitations",
    expect: { workspace: LINE.wsAdmins },
    run: ({ api, world }) => api.workspace.listInvitations({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "workspace.revokeInvitation",
    expect: { workspace: LINE.wsAdmins },
    run: async (cell) => {
      const invitationId = await invitationFor(cell, uniqueEmail());
      return cell.api.workspace.revokeInvitation({
        workspaceId: cell.world.workspaceId,
        invitationId,
      });
    },
  },
  {
    procedure: "workspace.setRole",
    expect: { workspace: LINE.wsAdmins },
    run: ({ api, world }) =>
      api.workspace.setRole({
        workspaceId: world.workspaceId,
        userId: world.users.bystander.id,
        role: "admin",
      }),
  },
  {
    procedure: "workspace.removeMember",
    expect: { workspace: LINE.wsAdmins },
    run: ({ api, world }) =>
      api.workspace.removeMember({
        workspaceId: world.workspaceId,
        userId: world.users.bystander.id,
      }),
  },
  {
    // The owner may leave because the workspace has a second owner.
    procedure: "workspace.leave",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.workspace.leave({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "workspace.online",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.workspace.online({ workspaceId: world.workspaceId }),
  },
  {
    // The workspace's stream alone, or with a channel or conversation open in it.
    procedure: "workspace.onEvent",
    expect: { workspace: LINE.wsMembers, ...TARGET_MEMBERS },
    run: ({ api, world, scenario, target }) =>
      api.workspace.onEvent(
        scenario === "workspace"
          ? { workspaceId: world.workspaceId }
          : { workspaceId: world.workspaceId, ...target },
      ),
  },
  {
    procedure: "channel.create",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) =>
      api.channel.create({ workspaceId: world.workspaceId, name: "brand-new", isPrivate: true }),
  },
  {
    procedure: "channel.list",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.channel.list({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "conversation.open",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) =>
      api.conversation.open({
        workspaceId: world.workspaceId,
        userIds: [world.users.bystander.id],
      }),
  },
  {
    procedure: "conversation.list",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.conversation.list({ workspaceId: world.workspaceId }),
  },

  {
    procedure: "conversation.get",
    expect: { conversation: LINE.memberHidden },
    run: ({ api, target }) => api.conversation.get(target as { conversationId: string }),
  },

  // Channel-level.
  {
    procedure: "channel.get",
    expect: SEE_CHANNEL,
    run: (cell) => cell.api.channel.get({ channelId: channelOf(cell) }),
  },
  {
    procedure: "channel.members",
    expect: SEE_CHANNEL,
    run: (cell) => cell.api.channel.members({ channelId: channelOf(cell) }),
  },
  {
    // Members "join" again as a no-op; non-members of a private channel cannot see it.
    procedure: "channel.join",
    expect: SEE_CHANNEL,
    run: (cell) => cell.api.channel.join({ channelId: channelOf(cell) }),
  },
  {
    procedure: "channel.leave",
    expect: CHANNEL_MEMBERS,
    run: (cell) => cell.api.channel.leave({ channelId: channelOf(cell) }),
  },
  {
    procedure: "channel.addMember",
    expect: CHANNEL_MEMBERS,
    run: (cell) =>
      cell.api.channel.addMember({
        channelId: channelOf(cell),
        userId: cell.world.users.bystander.id,
      }),
  },
  {
    procedure: "channel.removeMember",
    expect: CHANNEL_ADMINS,
    run: (cell) =>
      cell.api.channel.removeMember({
        channelId: channelOf(cell),
        userId: cell.world.users.participant.id,
      }),
  },
  {
    procedure: "channel.update",
    expect: CHANNEL_ADMINS,
    run: (cell) => cell.api.channel.update({ channelId: channelOf(cell), topic: "A new topic" }),
  },
  {
    procedure: "channel.archive",
    expect: CHANNEL_ADMINS,
    run: (cell) => cell.api.channel.archive({ channelId: channelOf(cell) }),
  },
  {
    procedure: "channel.unarchive",
    expect: CHANNEL_ADMINS,
    run: (cell) => cell.api.channel.unarchive({ channelId: channelOf(cell) }),
  },

  // Message-level, in each kind of target.
  {
    procedure: "message.send",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) =>
      api.message.send({ ...target, body: "hello", clientMessageId: randomUUID() }),
  },
  {
    procedure: "message.list",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) => api.message.list({ ...target, limit: 10 }),
  },
  {
    procedure: "channel.typing",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) => api.channel.typing({ ...target }),
  },
  {
    procedure: "channel.onTyping",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) => api.channel.onTyping({ ...target }),
  },
  {
    // Starting a stream is the check (SPEC: membership is checked when a subscription starts);
    // an allowed start is closed again at once.
    procedure: "message.onEvent",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) => api.message.onEvent({ ...target }),
  },
  {
    procedure: "message.markRead",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      await messageBy(cell, cell.world.users.participant);
      return cell.api.message.markRead({ ...cell.target, sequence: 1 });
    },
  },
  {
    procedure: "message.react",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.participant);
      return cell.api.message.react({ messageId, emoji: "👍" });
    },
  },
  {
    // The caller's own reaction is there to remove (put there directly, whoever they are).
    procedure: "message.unreact",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.participant);
      if (cell.user) {
        const ref = (await loadMessageRef(cell.db, messageId)) as MessageRef;
        await setReaction(cell.db, new ChangeSet(), cell.user.id, ref, "👍", true);
      }
      return cell.api.message.unreact({ messageId, emoji: "👍" });
    },
  },
  {
    procedure: "message.edit",
    variant: "the channel member's message",
    // biome-ignore format: a table, aligned by column
    expect: {
      //             anon  revoked outsider wsMember chMember removed creator wsAdmin owner
      public:       "U     U       N        F        ok       F       F       F       F",
      private:      "U     U       N        N        ok       N       F       N       F",
      conversation: "U     U       N        N        ok       N       F       N       F",
    },
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.channelMember);
      return cell.api.message.edit({ messageId, body: "edited" });
    },
  },
  {
    procedure: "message.edit",
    variant: "the channel creator's message",
    // biome-ignore format: a table, aligned by column
    expect: {
      //             anon  revoked outsider wsMember chMember removed creator wsAdmin owner
      public:       "U     U       N        F        F        F       ok      F       F",
      private:      "U     U       N        N        F        N       ok      N       F",
      conversation: "U     U       N        N        F        N       ok      N       F",
    },
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.channelCreator);
      return cell.api.message.edit({ messageId, body: "edited" });
    },
  },
  {
    // Authors, channel admins and workspace owners/admins who are in the channel; nobody
    // moderates a conversation.
    procedure: "message.delete",
    variant: "the channel member's message",
    // biome-ignore format: a table, aligned by column
    expect: {
      //             anon  revoked outsider wsMember chMember removed creator wsAdmin owner
      public:       "U     U       N        F        ok       F       ok      F       ok",
      private:      "U     U       N        N        ok       N       ok      N       ok",
      conversation: "U     U       N        N        ok       N       F       N       F",
    },
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.channelMember);
      return cell.api.message.delete({ messageId });
    },
  },
  {
    procedure: "message.delete",
    variant: "the channel creator's message",
    // biome-ignore format: a table, aligned by column
    expect: {
      //             anon  revoked outsider wsMember chMember removed creator wsAdmin owner
      public:       "U     U       N        F        F        F       ok      F       ok",
      private:      "U     U       N        N        F        N       ok      N       ok",
      conversation: "U     U       N        N        F        N       ok      N       F",
    },
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.channelCreator);
      return cell.api.message.delete({ messageId });
    },
  },

  // Find and follow.
  {
    procedure: "message.get",
    variant: "by id",
    expect: TARGET_MEMBERS,
    run: async (cell) =>
      cell.api.message.get({ messageId: await messageBy(cell, cell.world.users.participant) }),
  },
  {
    procedure: "message.get",
    variant: "by position",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) => api.message.get({ ...target, sequence: 1 }),
  },
  {
    procedure: "message.thread",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.participant);
      return cell.api.message.thread({ messageId });
    },
  },
  {
    procedure: "message.followThread",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.participant);
      return cell.api.message.followThread({ messageId, following: true });
    },
  },
  {
    procedure: "message.markThreadRead",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.participant);
      return cell.api.message.markThreadRead({ messageId, sequence: 1 });
    },
  },
  {
    procedure: "message.pin",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.participant);
      return cell.api.message.pin({ messageId });
    },
  },
  {
    procedure: "message.unpin",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      const messageId = await messageBy(cell, cell.world.users.participant);
      await asUser(cell.db, cell.world.users.participant).message.pin({ messageId });
      return cell.api.message.unpin({ messageId });
    },
  },
  {
    procedure: "channel.pins",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) => api.channel.pins({ ...target }),
  },
  {
    procedure: "message.markUnread",
    expect: TARGET_MEMBERS,
    run: async (cell) => {
      await messageBy(cell, cell.world.users.participant);
      return cell.api.message.markUnread({ ...cell.target, sequence: 1 });
    },
  },
  {
    procedure: "channel.setNotifications",
    expect: TARGET_MEMBERS,
    run: ({ api, target }) => api.channel.setNotifications({ ...target, level: "all" }),
  },
  {
    procedure: "message.threads",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.message.threads({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "message.search",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) =>
      api.message.search({ workspaceId: world.workspaceId, query: "welcome" }),
  },
  {
    procedure: "workspace.markAllRead",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.workspace.markAllRead({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "activity.list",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.activity.list({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "activity.markRead",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) => api.activity.markRead({ workspaceId: world.workspaceId }),
  },
  {
    procedure: "user.profile",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) =>
      api.user.profile({ workspaceId: world.workspaceId, userId: world.users.participant.id }),
  },
  {
    procedure: "user.update",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.user.update({ status: "Testing" }),
  },

  // Files: uploads are a workspace member's; an attached file is read as its message.
  {
    procedure: "file.createUpload",
    expect: { workspace: LINE.wsMembers },
    run: ({ api, world }) =>
      api.file.createUpload({ workspaceId: world.workspaceId, name: "notes.txt", size: 100 }),
  },
  {
    procedure: "file.get",
    expect: FILE_READERS,
    run: async (cell) => cell.api.file.get({ fileId: await attachedFile(cell) }),
  },
  {
    procedure: "file.get",
    variant: "an upload no message took",
    expect: { workspace: LINE.othersToken },
    run: async (cell) =>
      cell.api.file.get({ fileId: await uploadBy(cell, cell.world.users.participant) }),
  },
  ...(["completeUpload", "discard"] as const).flatMap((name): Row[] => [
    {
      procedure: `file.${name}`,
      variant: "own upload",
      expect: { workspace: LINE.wsMembers },
      run: async (cell) =>
        cell.api.file[name]({
          fileId: await uploadBy(cell, cell.user ?? cell.world.users.channelMember),
        }),
    },
    {
      procedure: `file.${name}`,
      variant: "someone else's upload",
      expect: { workspace: LINE.othersToken },
      run: async (cell) =>
        cell.api.file[name]({ fileId: await uploadBy(cell, cell.world.users.participant) }),
    },
    {
      procedure: `file.${name}`,
      variant: "a file on a message",
      expect: ATTACHED_FILE,
      run: async (cell) => cell.api.file[name]({ fileId: await attachedFile(cell) }),
    },
  ]),
  {
    procedure: "user.removeAvatar",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.user.removeAvatar(),
  },
  {
    procedure: "user.setEmailNotifications",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.user.setEmailNotifications({ enabled: false }),
  },

  // Mail: links carry their own proof; asking is open to anyone.
  {
    procedure: "auth.requestPasswordReset",
    expect: { user: LINE.anyone },
    run: ({ api }) => api.auth.requestPasswordReset({ email: uniqueEmail() }),
  },
  {
    procedure: "auth.resetPassword",
    expect: { user: LINE.anyone },
    run: async (cell) => {
      const token = await issueEmailToken(
        cell.db,
        cell.world.users.bystander,
        "password_reset",
        60,
      );
      return cell.api.auth.resetPassword({ token, password: "a brand new passphrase" });
    },
  },
  {
    procedure: "auth.verifyEmail",
    expect: { user: LINE.anyone },
    run: async (cell) => {
      const token = await issueEmailToken(
        cell.db,
        cell.world.users.bystander,
        "email_verification",
        60,
      );
      return cell.api.auth.verifyEmail({ token });
    },
  },
  {
    procedure: "auth.resendVerification",
    expect: { user: LINE.signedIn },
    run: ({ api }) => api.auth.resendVerification(),
  },
  {
    procedure: "workspace.invitationLink",
    expect: { user: LINE.anyone },
    run: async (cell) => {
      const { token } = await inviteByEmail(
        cell.db,
        { workspaceId: cell.world.workspaceId, userId: cell.world.users.workspaceOwner.id },
        uniqueEmail(),
      );
      return cell.api.workspace.invitationLink({ token });
    },
  },
  {
    // The link is for the address it went to: signed in with it, anyone may accept.
    procedure: "workspace.acceptInvitationLink",
    variant: "own invitation",
    expect: { user: LINE.signedIn },
    run: async (cell) => {
      const { token } = await inviteByEmail(
        cell.db,
        { workspaceId: cell.world.workspaceId, userId: cell.world.users.workspaceOwner.id },
        cell.user?.email ?? uniqueEmail(),
      );
      return cell.api.workspace.acceptInvitationLink({ token });
    },
  },
  {
    procedure: "workspace.acceptInvitationLink",
    variant: "someone else's invitation",
    expect: { user: LINE.othersInvite },
    run: async (cell) => {
      const { token } = await inviteByEmail(
        cell.db,
        { workspaceId: cell.world.workspaceId, userId: cell.world.users.workspaceOwner.id },
        cell.world.users.bystander.email,
      );
      return cell.api.workspace.acceptInvitationLink({ token });
    },
  },
];

function parseOutcomes(row: Row, scenario: Scenario, line: string): Record<Actor, Outcome> {
  const tokens = line.trim().split(/\s+/);
  if (tokens.length !== ACTORS.length) {
    throw new Error(`${row.procedure} (${scenario}): ${tokens.length} outcomes for 9 actors`);
  }
  return Object.fromEntries(
    ACTORS.map((actor, index) => {
      const outcome = ABBREVIATIONS[tokens[index] as string];
      if (!outcome) throw new Error(`${row.procedure}: unknown outcome "${tokens[index]}"`);
      return [actor, outcome];
    }),
  ) as Record<Actor, Outcome>;
}

const SCENARIOS: Scenario[] = ["user", "workspace", "public", "private", "conversation"];
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: string } }
>;
const rowName = (row: Row) => (row.variant ? `${row.procedure} (${row.variant})` : row.procedure);

class Rollback extends Error {}

/** Runs one cell in a transaction that is always rolled back; returns its outcome. */
async function runCell(world: World, row: Row, scenario: Scenario, actor: Actor) {
  let outcome: string | undefined;
  let detail = "";
  // Ends whatever subscription a cell started, before its transaction goes.
  const streams = new AbortController();
  try {
    await db.transaction(async (tx) => {
      const user =
        actor === "anonymous"
          ? null
          : actor === "revokedToken"
            ? world.users.channelMember
            : world.users[actor];
      const api =
        actor === "anonymous"
          ? anonymous(tx)
          : actor === "revokedToken"
            ? await withToken(tx, world.revokedToken, streams.signal)
            : asUser(tx, user as TestUser, { signal: streams.signal });
      const target =
        scenario === "public" || scenario === "private" || scenario === "conversation"
          ? world.targets[scenario]
          : world.targets.public;
      try {
        const result = await row.run({ api, db: tx, world, scenario, user, target });
        // A subscription that started: close it again.
        const iterator = (result as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator];
        if (iterator) await iterator.call(result).return?.();
        outcome = "ok";
      } catch (error) {
        if (!(error instanceof TRPCError)) throw error;
        outcome = error.code;
        detail = error.message;
      } finally {
        streams.abort();
      }
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return { outcome: outcome as string, detail };
}

let world: World;
let scope: Scope;
let before: Snapshot;

beforeAll(async () => {
  const people = {
    outsider: await newUser(db, "Outsider"),
    workspaceMember: await newUser(db, "Workspace member"),
    channelMember: await newUser(db, "Channel member"),
    removedMember: await newUser(db, "Removed member"),
    channelCreator: await newUser(db, "Channel creator"),
    workspaceAdmin: await newUser(db, "Workspace admin"),
    workspaceOwner: await newUser(db, "Workspace owner"),
    coOwner: await newUser(db, "Co-owner"),
    participant: await newUser(db, "Participant"),
    bystander: await newUser(db, "Bystander"),
  };
  const owner = people.workspaceOwner.api;
  const creator = people.channelCreator.api;
  const workspace = await newWorkspace(people.workspaceOwner, [
    people.workspaceMember,
    people.channelMember,
    people.removedMember,
    people.channelCreator,
    people.workspaceAdmin,
    people.coOwner,
    people.participant,
    people.bystander,
  ]);
  const workspaceId = workspace.id;
  await people.outsider.api.workspace.create({ name: "Elsewhere" });
  await owner.workspace.setRole({ workspaceId, userId: people.coOwner.id, role: "owner" });
  await owner.workspace.setRole({ workspaceId, userId: people.workspaceAdmin.id, role: "admin" });

  const channels = {} as Record<"public" | "private", { channelId: string }>;
  for (const kind of ["public", "private"] as const) {
    const { id: channelId } = await creator.channel.create({
      workspaceId,
      name: `${kind}-room`,
      isPrivate: kind === "private",
    });
    for (const person of [
      people.channelMember,
      people.removedMember,
      people.workspaceOwner,
      people.participant,
    ]) {
      await creator.channel.addMember({ channelId, userId: person.id });
    }
    await creator.message.send({ channelId, body: "welcome", clientMessageId: randomUUID() });
    await creator.channel.removeMember({ channelId, userId: people.removedMember.id });
    channels[kind] = { channelId };
  }
  const { id: conversationId } = await creator.conversation.open({
    workspaceId,
    userIds: [people.channelMember.id, people.workspaceOwner.id, people.participant.id],
  });
  await creator.message.send({ conversationId, body: "hi all", clientMessageId: randomUUID() });

  const invite = await owner.workspace.createInvite({ workspaceId });
  const revoked = await people.channelMember.api.token.create({ name: "old bot" });
  await people.channelMember.api.token.revoke({ tokenId: revoked.id });
  const bystanderToken = await people.bystander.api.token.create({ name: "their bot" });

  world = {
    users: people,
    workspaceId,
    inviteId: invite.id,
    inviteCode: invite.code,
    revokedToken: revoked.token,
    bystanderTokenId: bystanderToken.id,
    targets: { ...channels, conversation: { conversationId } },
  };

  const outsiderWorkspace = await people.outsider.api.workspace.list();
  scope = {
    workspaceIds: [workspaceId, ...outsiderWorkspace.map((w) => w.id)],
    userIds: Object.values(people).map((person) => person.id),
  };
  before = await snapshot(db, scope);

  const cells = ROWS.reduce((sum, row) => sum + Object.keys(row.expect).length, 0);
  console.log(
    `authorization matrix: ${Object.keys(procedures).length} procedures in ${ROWS.length} rows × ` +
      `${ACTORS.length} actors over ${SCENARIOS.length} scenarios ` +
      `(${cells} row-scenarios) = ${cells * ACTORS.length} cells`,
  );
});

describe("the authorization matrix", () => {
  test("has a row for every procedure of the router, and only for those", () => {
    const covered = new Set(ROWS.map((row) => row.procedure));
    const missing = Object.keys(procedures).filter((path) => !covered.has(path));
    const unknown = [...covered].filter((path) => !(path in procedures));
    expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
  });

  test("gives each row at least one scenario and no row twice", () => {
    const names = ROWS.map(rowName);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect(ROWS.filter((row) => Object.keys(row.expect).length === 0).map(rowName)).toEqual([]);
  });

  describe.each(SCENARIOS)("on %s", (scenario) => {
    const rows = ROWS.filter((row) => row.expect[scenario] !== undefined);
    test.each(rows.map((row) => [rowName(row), row] as const))("%s", async (_name, row) => {
      const expected = parseOutcomes(row, scenario, row.expect[scenario] as string);
      const actual = {} as Record<Actor, string>;
      const details: string[] = [];
      for (const actor of ACTORS) {
        const { outcome, detail } = await runCell(world, row, scenario, actor);
        actual[actor] = outcome;
        if (outcome !== expected[actor]) details.push(`${actor}: ${outcome} ${detail}`);
      }
      expect(actual, details.join("\n")).toEqual(expected);
    });
  });

  // Runs after the matrix: every cell was rolled back, so the fixtures are as they were.
  test("leaves no trace of its cells", async () => {
    expect(await snapshot(db, scope)).toEqual(before);
  });
});
