/**
 * Issue #12 at the procedure level, against a real PostgreSQL: the owner
 * invariant under concurrent pairs (finding 4), invitations instead of silent
 * adds (6), server-side session revocation (7), private channel names (10),
 * credentials only from a browser session (12).
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, count, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { workspaceMembers } from "@/db/schema";
import { sessionIsActive, startSession } from "@/server/auth/sessions";
import { createRequestContext } from "@/server/context";
import { appRouter } from "@/server/routers/_app";
import { createCallerFactory } from "@/server/trpc";
import { anonymous, asUser, newUser, newWorkspace, type TestUser, withToken } from "@/testing/api";
import { testDatabase } from "@/testing/db";

const { db } = testDatabase("pg", 20);
const createCaller = createCallerFactory(appRouter);

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
};

async function owners(workspaceId: string) {
  const [row] = await db
    .select({ n: count() })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, "owner")));
  return row?.n ?? 0;
}

/** A signed-in browser session of `user`, as the HTTP context builds it. */
async function browser(user: TestUser) {
  const sessionId = await startSession(db, user.id);
  const session = async () => ({
    user: { id: user.id, email: user.email, name: user.name },
    sessionId,
    expires: new Date(Date.now() + 60_000).toISOString(),
  });
  const api = async () => {
    const alive = await sessionIsActive(db, sessionId, user.id);
    return createCaller(
      await createRequestContext(new Headers(), {
        db,
        session: async () => (alive ? session() : null),
      }),
    );
  };
  return { sessionId, api };
}

describe("a workspace never loses its last owner (finding 4)", () => {
  const RACES = 12;

  it.each([
    ["demote each other", "demote", "demote"],
    ["both leave", "leave", "leave"],
    ["one demotes, the other leaves", "demote", "leave"],
    ["remove each other", "remove", "remove"],
  ] as const)("when two owners %s at the same moment", async (_name, first, second) => {
    let outcomes = "";
    for (let race = 0; race < RACES; race++) {
      const a = await newUser(db, "Owner A");
      const b = await newUser(db, "Owner B");
      const workspace = await newWorkspace(a, [b]);
      await a.api.workspace.setRole({ workspaceId: workspace.id, userId: b.id, role: "owner" });
      const act = (who: TestUser, other: TestUser, action: typeof first) => {
        const workspaceId = workspace.id;
        if (action === "leave") return who.api.workspace.leave({ workspaceId });
        if (action === "remove")
          return who.api.workspace.removeMember({ workspaceId, userId: other.id });
        return who.api.workspace.setRole({ workspaceId, userId: other.id, role: "member" });
      };
      const results = await Promise.all([codeOf(act(a, b, first)), codeOf(act(b, a, second))]);
      outcomes += `${results.join("/")} `;
      expect(await owners(workspace.id), outcomes).toBe(1);
      // Of two symmetric moves exactly one succeeds; the other is told why.
      if (first === second)
        expect(
          results.filter((r) => r === "ok"),
          outcomes,
        ).toHaveLength(1);
    }
  });
});

describe("workspace.addMember invites instead of adding (finding 6)", () => {
  it("answers the same for an address with and without an account, and adds nobody", async () => {
    const owner = await newUser(db, "Inviter");
    const victim = await newUser(db, "Victim");
    const workspace = await newWorkspace(owner);
    const known = await owner.api.workspace.addMember({
      workspaceId: workspace.id,
      email: victim.email.toUpperCase(),
    });
    const unknown = await owner.api.workspace.addMember({
      workspaceId: workspace.id,
      email: `nobody.${randomUUID()}@example.test`,
    });
    expect(Object.keys(known).sort()).toEqual(Object.keys(unknown).sort());
    expect(known).not.toHaveProperty("userId");
    expect(JSON.stringify(known)).not.toContain(victim.id);
    // Not a member, so not reachable by DM either.
    expect(await codeOf(victim.api.workspace.get({ workspaceId: workspace.id }))).toBe("NOT_FOUND");
    expect(
      await codeOf(
        owner.api.conversation.open({ workspaceId: workspace.id, userIds: [victim.id] }),
      ),
    ).toBe("NOT_FOUND");

    // The person decides.
    const [invitation] = await victim.api.workspace.myInvitations();
    expect(invitation).toMatchObject({ workspaceId: workspace.id, invitedBy: { id: owner.id } });
    const bystander = await newUser(db, "Bystander");
    expect(
      await codeOf(bystander.api.workspace.acceptInvitation({ invitationId: known.invitationId })),
    ).toBe("NOT_FOUND");
    expect(
      await victim.api.workspace.acceptInvitation({ invitationId: known.invitationId }),
    ).toEqual({ workspaceId: workspace.id });
    expect((await victim.api.workspace.get({ workspaceId: workspace.id })).role).toBe("member");
    expect(await victim.api.workspace.myInvitations()).toEqual([]);
  });

  it("waits for someone who signs up later, and can be declined or revoked", async () => {
    const owner = await newUser(db, "Inviter");
    const workspace = await newWorkspace(owner);
    const email = `later.${randomUUID()}@example.test`;
    const { invitationId } = await owner.api.workspace.addMember({
      workspaceId: workspace.id,
      email,
    });
    expect(
      (await owner.api.workspace.listInvitations({ workspaceId: workspace.id }))[0]?.email,
    ).toBe(email);
    const { userId } = await anonymous(db).auth.signUp({
      email,
      name: "Latecomer",
      password: "a long enough passphrase",
    });
    const latecomer = asUser(db, { id: userId, email, name: "Latecomer" });
    expect((await latecomer.workspace.myInvitations()).map((i) => i.id)).toEqual([invitationId]);
    await latecomer.workspace.declineInvitation({ invitationId });
    expect(await codeOf(latecomer.workspace.acceptInvitation({ invitationId }))).toBe("NOT_FOUND");

    const again = await owner.api.workspace.addMember({ workspaceId: workspace.id, email });
    await owner.api.workspace.revokeInvitation({
      workspaceId: workspace.id,
      invitationId: again.invitationId,
    });
    expect(await latecomer.workspace.myInvitations()).toEqual([]);
  });
});

describe("private channel names (finding 10)", () => {
  it("never answer CONFLICT to someone who cannot see the channel", async () => {
    const owner = await newUser(db, "Owner");
    const outsider = await newUser(db, "Member outside the channel");
    const workspace = await newWorkspace(owner, [outsider]);
    await owner.api.channel.create({ workspaceId: workspace.id, name: "layoffs", isPrivate: true });

    // The same answer as for a free name: created.
    const taken = await outsider.api.channel.create({ workspaceId: workspace.id, name: "layoffs" });
    expect(taken.id).toBeTruthy();
    const mine = await outsider.api.channel.create({ workspaceId: workspace.id, name: "ideas" });
    const privateToo = await outsider.api.channel.create({
      workspaceId: workspace.id,
      name: "secret-plans",
      isPrivate: true,
    });
    expect(privateToo.id).toBeTruthy();
    await owner.api.channel.create({ workspaceId: workspace.id, name: "hidden", isPrivate: true });
    expect((await outsider.api.channel.update({ channelId: mine.id, name: "hidden" })).name).toBe(
      "hidden",
    );

    // Names people can see still conflict.
    expect(
      await codeOf(outsider.api.channel.create({ workspaceId: workspace.id, name: "general" })),
    ).toBe("CONFLICT");
    expect(
      await codeOf(owner.api.channel.create({ workspaceId: workspace.id, name: "layoffs" })),
    ).toBe("CONFLICT");
  });
});

describe("credentials are managed from a browser session only (finding 12)", () => {
  it("refuses token.* and account procedures to an API token", async () => {
    const ada = await newUser(db, "Ada");
    const { id: tokenId, token } = await ada.api.token.create({ name: "bot" });
    const bot = await withToken(db, token);
    expect(await codeOf(bot.user.me())).toBe("ok");
    expect(await codeOf(bot.token.create({ name: "successor" }))).toBe("FORBIDDEN");
    expect(await codeOf(bot.token.list())).toBe("FORBIDDEN");
    expect(await codeOf(bot.token.revoke({ tokenId }))).toBe("FORBIDDEN");
    expect(await codeOf(bot.user.signOutEverywhere({}))).toBe("FORBIDDEN");
    expect(
      await codeOf(
        bot.user.changePassword({
          currentPassword: "correct horse battery staple",
          newPassword: "a brand new passphrase",
        }),
      ),
    ).toBe("FORBIDDEN");
    expect((await ada.api.token.list()).map((t) => t.id)).toEqual([tokenId]);
  });
});

describe("sessions end on the server (finding 7)", () => {
  it("signOutEverywhere ends every session; tokens stay unless asked", async () => {
    const ada = await newUser(db, "Ada");
    const laptop = await browser(ada);
    const phone = await browser(ada);
    const { token } = await (await laptop.api()).token.create({ name: "ci" });
    expect(await (await laptop.api()).user.signOutEverywhere({})).toEqual({
      endedSessions: 2,
      revokedTokens: 0,
    });
    expect(await codeOf((await laptop.api()).user.me())).toBe("UNAUTHORIZED");
    expect(await codeOf((await phone.api()).user.me())).toBe("UNAUTHORIZED");
    expect(await codeOf((await withToken(db, token)).user.me())).toBe("ok");
  });

  it("changePassword keeps this session, ends the others only when asked", async () => {
    const ada = await newUser(db, "Ada");
    const laptop = await browser(ada);
    const phone = await browser(ada);
    const { token } = await (await laptop.api()).token.create({ name: "ci" });
    expect(
      await codeOf(
        (await laptop.api()).user.changePassword({
          currentPassword: "not my password",
          newPassword: "a brand new passphrase",
        }),
      ),
    ).toBe("FORBIDDEN");
    await (await laptop.api()).user.changePassword({
      currentPassword: "correct horse battery staple",
      newPassword: "a brand new passphrase",
    });
    expect(await codeOf((await phone.api()).user.me())).toBe("ok");
    expect(
      await (await laptop.api()).user.changePassword({
        currentPassword: "a brand new passphrase",
        newPassword: "yet another passphrase",
        signOutEverywhere: true,
        revokeTokens: true,
      }),
    ).toEqual({ endedSessions: 1, revokedTokens: 1 });
    expect(await codeOf((await laptop.api()).user.me())).toBe("ok");
    expect(await codeOf((await phone.api()).user.me())).toBe("UNAUTHORIZED");
    expect(await codeOf((await withToken(db, token)).user.me())).toBe("UNAUTHORIZED");
  });
});
