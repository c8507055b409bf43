/**
 * Mail, against a real SMTP server the test starts on loopback (smtp-server),
 * asserting on what arrived: password resets (single use, expiring, stored
 * hashed, the same answer for any address, rate limited), address
 * confirmation on sign-up, invitations by email and their links, and
 * notification mails (who gets one, what it says, how often, and how to stop
 * them).
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { emailTokens, users } from "@/db/schema";
import { env } from "@/lib/env";
import { sessionIsActive, startSession } from "@/server/auth/sessions";
import { sendNotificationMails, unsubscribeRequest } from "@/server/notifications/mail";
import { presence } from "@/server/realtime/presence";
import { verifyCredentials } from "@/server/users/read";
import { anonymous, newUser, newWorkspace, type TestUser } from "@/testing/api";
import { testDatabase } from "@/testing/db";
import { linkIn, type ReceivedMail, startTestSmtp, type TestSmtp } from "@/testing/smtp";
import { unsubscribeLink } from "./links";

// The app's environment is read once; these must be in place before that.
const smtpPort = await vi.hoisted(async () => {
  const { freePortSync } = await import("@/testing/smtp");
  const port = freePortSync();
  process.env.SMTP_URL = `smtp://127.0.0.1:${port}`;
  process.env.EMAIL_VERIFICATION = "required";
  process.env.AUTH_URL = "http://chat.example.test";
  process.env.RATE_LIMIT_PASSWORD_RESET = "3/3600";
  return port;
});

const { db } = testDatabase("pg", 20);
const ORIGIN = "http://chat.example.test";
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startTestSmtp({ port: smtpPort });
  expect(env().SMTP_URL).toBe(smtp.url);
});
afterAll(() => smtp?.close());

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
};

const to = (address: string) => (mail: ReceivedMail) => mail.to.includes(address.toLowerCase());
/** Mails to an address with a subject starting so (sign-ups also get a confirmation mail). */
const about = (address: string, subject: string) => (mail: ReceivedMail) =>
  to(address)(mail) && mail.subject.startsWith(subject);

describe("password reset", () => {
  test("mails a single-use link, stored hashed, that sets a new password and ends every session", async () => {
    const ada = await newUser(db, "Ada");
    const sessionId = await startSession(db, ada.id);
    const answer = await anonymous(db).auth.requestPasswordReset({
      email: ada.email.toUpperCase(),
    });
    expect(answer.message).toMatch(/If an account uses this address/);

    const mail = await smtp.waitFor(about(ada.email, "Reset"));
    expect(mail.subject).toBe("Reset your Sequent password");
    expect(mail.from).toBe("sequent@localhost");
    const link = linkIn(mail, "/reset-password?token=");
    expect(link.startsWith(`${ORIGIN}/reset-password?token=`)).toBe(true);
    const token = new URL(link).searchParams.get("token") as string;
    // Only a hash is kept.
    const stored = await db
      .select()
      .from(emailTokens)
      .where(and(eq(emailTokens.userId, ada.id), eq(emailTokens.purpose, "password_reset")));
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);

    // A weak password does not use the link up.
    expect(await codeOf(anonymous(db).auth.resetPassword({ token, password: "password12" }))).toBe(
      "BAD_REQUEST",
    );
    const reset = await anonymous(db).auth.resetPassword({
      token,
      password: "a whole new passphrase",
    });
    expect(reset.email).toBe(ada.email);
    expect(await verifyCredentials(db, ada.email, "a whole new passphrase")).not.toBeNull();
    expect(await verifyCredentials(db, ada.email, "correct horse battery staple")).toBeNull();
    expect(await sessionIsActive(db, sessionId)).toBe(false);
    // The mailbox was read: the address counts as confirmed.
    expect((await ada.api.user.me()).emailVerified).toBe(true);
    // Once only.
    expect(
      await codeOf(anonymous(db).auth.resetPassword({ token, password: "yet another passphrase" })),
    ).toBe("BAD_REQUEST");
  });

  test("answers the same for an address without an account, and mails nothing", async () => {
    const nobody = `nobody.${randomUUID()}@example.test`;
    const someone = await newUser(db, "Someone");
    const [unknown, known] = await Promise.all([
      anonymous(db).auth.requestPasswordReset({ email: nobody }),
      anonymous(db).auth.requestPasswordReset({ email: someone.email }),
    ]);
    expect(unknown).toEqual(known);
    await smtp.waitFor(about(someone.email, "Reset"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.filter(to(nobody))).toEqual([]);
  });

  test("links expire, and a newer link replaces an older one", async () => {
    const bob = await newUser(db, "Bob");
    await anonymous(db).auth.requestPasswordReset({ email: bob.email });
    const first = new URL(
      linkIn(await smtp.waitFor(about(bob.email, "Reset")), "token="),
    ).searchParams.get("token") as string;
    await anonymous(db).auth.requestPasswordReset({ email: bob.email });
    await expect.poll(() => smtp.mails.filter(to(bob.email)).length).toBe(2);
    const second = new URL(
      linkIn(smtp.mails.filter(to(bob.email))[1] as ReceivedMail, "token="),
    ).searchParams.get("token") as string;
    expect(
      await codeOf(
        anonymous(db).auth.resetPassword({ token: first, password: "first new passphrase" }),
      ),
    ).toBe("BAD_REQUEST");
    await db
      .update(emailTokens)
      .set({
        expiresAt: sql`now() - interval '1 second'`,
        createdAt: sql`now() - interval '2 hours'`,
      })
      .where(eq(emailTokens.userId, bob.id));
    expect(
      await codeOf(
        anonymous(db).auth.resetPassword({ token: second, password: "second new passphrase" }),
      ),
    ).toBe("BAD_REQUEST");
  });

  test("is rate limited per address asked about", async () => {
    const email = `limited.${randomUUID()}@example.test`;
    const outcomes = [];
    for (let i = 0; i < 4; i++)
      outcomes.push(await codeOf(anonymous(db).auth.requestPasswordReset({ email })));
    expect(outcomes).toEqual(["ok", "ok", "ok", "TOO_MANY_REQUESTS"]);
  });
});

describe("confirming the address, and invitations by email", () => {
  test("an invitation is mailed; its link leads through sign-up to joining; others cannot claim it", async () => {
    const owner = await newUser(db, "Owner");
    const workspace = await newWorkspace(owner, [], "Mailed Workspace");
    const invitee = `invitee.${randomUUID().slice(0, 8)}@example.test`;
    await owner.api.workspace.addMember({ workspaceId: workspace.id, email: invitee });

    const invitation = await smtp.waitFor(about(invitee, "Owner invited you"));
    expect(invitation.subject).toBe("Owner invited you to Mailed Workspace on Sequent");
    const link = linkIn(invitation, "/invitations/");
    const token = link.split("/invitations/")[1] as string;
    expect(await anonymous(db).workspace.invitationLink({ token })).toEqual({
      workspaceName: "Mailed Workspace",
      email: invitee,
      inviterName: "Owner",
      state: "open",
    });

    // Someone who signed up with another address cannot take it.
    const other = await newUser(db, "Other");
    expect(await codeOf(other.api.workspace.acceptInvitationLink({ token }))).toBe("FORBIDDEN");

    // Signing up with the invited address mails a confirmation; until then the
    // invitation is not listed (an account with someone else's address could claim it).
    const { userId } = await anonymous(db).auth.signUp({
      email: invitee,
      name: "Invitee",
      password: "correct horse battery staple",
    });
    const person = { id: userId, email: invitee, name: "Invitee" };
    const api = (await import("@/testing/api")).asUser(db, person);
    const confirmation = await smtp.waitFor(
      (mail) => to(invitee)(mail) && mail.subject.startsWith("Confirm"),
    );
    expect(await api.workspace.myInvitations()).toEqual([]);
    expect((await api.user.me()).emailVerified).toBe(false);

    // Through the mailed invitation link it can be accepted at once: the link proves the address.
    expect(await api.workspace.acceptInvitationLink({ token })).toEqual({
      workspaceId: workspace.id,
    });
    expect((await api.user.me()).emailVerified).toBe(true);
    expect((await anonymous(db).workspace.invitationLink({ token })).state).toBe("accepted");
    expect(await codeOf(api.workspace.acceptInvitationLink({ token }))).toBe("NOT_FOUND");

    // The confirmation link still works once (and only once).
    const confirm = new URL(linkIn(confirmation, "/verify-email?token=")).searchParams.get(
      "token",
    ) as string;
    expect(await anonymous(db).auth.verifyEmail({ token: confirm })).toEqual({ email: invitee });
    expect(await codeOf(anonymous(db).auth.verifyEmail({ token: confirm }))).toBe("BAD_REQUEST");
  });

  test("invitations to an address show once it is confirmed", async () => {
    const owner = await newUser(db, "Inviter");
    const workspace = await newWorkspace(owner, [], "Later");
    const person = await newUser(db, "Unconfirmed");
    await owner.api.workspace.addMember({ workspaceId: workspace.id, email: person.email });
    expect(await person.api.workspace.myInvitations()).toEqual([]);
    const confirmation = await smtp.waitFor(
      (mail) => to(person.email)(mail) && mail.subject.startsWith("Confirm"),
    );
    await anonymous(db).auth.verifyEmail({
      token: new URL(linkIn(confirmation, "token=")).searchParams.get("token") as string,
    });
    expect((await person.api.workspace.myInvitations()).map((i) => i.workspaceName)).toEqual([
      "Later",
    ]);
    expect(await person.api.auth.resendVerification()).toEqual({ sent: false });
  });
});

describe("notification mails", () => {
  async function confirmed(name: string): Promise<TestUser> {
    const user = await newUser(db, name);
    await db.update(users).set({ emailVerified: new Date() }).where(eq(users.id, user.id));
    return user;
  }
  const later = (minutes: number) => new Date(Date.now() + minutes * 60_000);
  const mailsTo = (user: TestUser) =>
    smtp.mails.filter((mail) => to(user.email)(mail) && !mail.subject.startsWith("Confirm"));

  test("mentions and direct messages reach people who are away, batched, with permalinks", async () => {
    const [ada, bob, carol] = await Promise.all([
      confirmed("Ada"),
      confirmed("Bob"),
      confirmed("Carol"),
    ]);
    const workspace = await newWorkspace(ada, [bob, carol]);
    const channelId = workspace.generalChannelId;
    const { id: conversationId } = await ada.api.conversation.open({
      workspaceId: workspace.id,
      userIds: [bob.id],
    });
    const mention = await ada.api.message.send({
      channelId,
      body: `<@${bob.id}> can you look at the deploy?`,
      clientMessageId: randomUUID(),
    });
    await ada.api.message.send({
      channelId,
      body: "no mention here",
      clientMessageId: randomUUID(),
    });
    const direct = await ada.api.message.send({
      conversationId,
      body: "ping me when back",
      clientMessageId: randomUUID(),
    });

    // Not yet: the items have not waited long enough.
    expect((await sendNotificationMails(db)).mailed).not.toContain(bob.id);

    // Carol is connected: nothing for her even when mentioned.
    await presence().enter(workspace.id, carol.id);
    await ada.api.message.send({
      channelId,
      body: `<@${carol.id}> hi`,
      clientMessageId: randomUUID(),
    });
    const run = await sendNotificationMails(db, later(env().EMAIL_NOTIFY_IDLE_MINUTES + 1));
    await Promise.all(run.deliveries);
    await presence().leave(workspace.id, carol.id);
    expect(run.mailed).toContain(bob.id);
    expect(run.mailed).not.toContain(carol.id);
    expect(run.mailed).not.toContain(ada.id);

    const [mail] = mailsTo(bob);
    expect(mailsTo(bob)).toHaveLength(1);
    expect(mail?.subject).toBe("2 new mentions and direct messages on Sequent");
    expect(mail?.text).toContain(`Mention by Ada in #general:\n  @Bob can you look at the deploy?`);
    expect(mail?.text).toContain(`${ORIGIN}/w/${workspace.id}/c/${channelId}/${mention.sequence}`);
    expect(mail?.text).toContain("Message from Ada in a direct message:\n  ping me when back");
    expect(mail?.text).toContain(
      `${ORIGIN}/w/${workspace.id}/d/${conversationId}/${direct.sequence}`,
    );
    expect(mail?.text).not.toContain("no mention here");
    expect(mail?.headers["list-unsubscribe"]).toBe(`<${unsubscribeLink(ORIGIN, bob.id)}>`);

    // Batched: nothing more until EMAIL_NOTIFY_MINUTES passed, and nothing twice.
    await ada.api.message.send({
      conversationId,
      body: "one more thing",
      clientMessageId: randomUUID(),
    });
    const soon = await sendNotificationMails(db, later(env().EMAIL_NOTIFY_IDLE_MINUTES + 2));
    expect(soon.mailed).not.toContain(bob.id);
    const next = await sendNotificationMails(
      db,
      later(env().EMAIL_NOTIFY_IDLE_MINUTES + env().EMAIL_NOTIFY_MINUTES + 2),
    );
    await Promise.all(next.deliveries);
    expect(mailsTo(bob)).toHaveLength(2);
    expect(mailsTo(bob)[1]?.subject).toBe("Ada sent you a message on Sequent");
    expect(mailsTo(bob)[1]?.text).toContain("one more thing");
    expect(mailsTo(bob)[1]?.text).not.toContain("deploy");
  });

  test("respects what was read, notification levels, mutes, and unsubscribing", async () => {
    const [ada, bob] = await Promise.all([confirmed("Ada"), confirmed("Bob")]);
    const workspace = await newWorkspace(ada, [bob]);
    const channelId = workspace.generalChannelId;
    const { id: conversationId } = await ada.api.conversation.open({
      workspaceId: workspace.id,
      userIds: [bob.id],
    });
    const due = () => later(env().EMAIL_NOTIFY_IDLE_MINUTES + 1);

    // Read already: nothing.
    const read = await ada.api.message.send({
      conversationId,
      body: "seen it",
      clientMessageId: randomUUID(),
    });
    await bob.api.message.markRead({ conversationId, sequence: read.sequence });
    // Level "none" in the channel, muted conversation: nothing.
    await bob.api.channel.setNotifications({ channelId, level: "none" });
    await ada.api.message.send({
      channelId,
      body: `<@${bob.id}> ignored`,
      clientMessageId: randomUUID(),
    });
    await bob.api.channel.setNotifications({ conversationId, muted: true });
    await ada.api.message.send({ conversationId, body: "muted", clientMessageId: randomUUID() });
    expect((await sendNotificationMails(db, due())).mailed).not.toContain(bob.id);

    // Unsubscribed through the mailed link: nothing either.
    const muted = await bob.api.message.list({ conversationId, limit: 1 });
    await bob.api.message.markRead({ conversationId, sequence: muted[0]?.sequence ?? 1 });
    await bob.api.channel.setNotifications({ conversationId, muted: false });
    await ada.api.message.send({
      conversationId,
      body: "after unmuting",
      clientMessageId: randomUUID(),
    });
    const unsubscribe = (request: Request) => unsubscribeRequest(request, db);
    const bad = await unsubscribe(
      new Request(`${ORIGIN}/unsubscribe?u=${bob.id}&t=forged`, { method: "POST" }),
    );
    expect(bad.status).toBe(400);
    const link = unsubscribeLink(ORIGIN, bob.id).replace("/unsubscribe?", "/api/unsubscribe?");
    expect((await unsubscribe(new Request(link, { method: "POST" }))).status).toBe(303);
    expect((await bob.api.user.me()).emailNotifications).toBe(false);
    expect((await sendNotificationMails(db, due())).mailed).not.toContain(bob.id);

    // Back on: the waiting message is mailed.
    await bob.api.user.setEmailNotifications({ enabled: true });
    const run = await sendNotificationMails(db, due());
    await Promise.all(run.deliveries);
    expect(run.mailed).toContain(bob.id);
    expect(mailsTo(bob).at(-1)?.text).toContain("after unmuting");
    expect(mailsTo(bob).at(-1)?.text).not.toContain("ignored");
    expect(mailsTo(bob).at(-1)?.text).not.toMatch(/^ {2}muted$/m);
  });
});
