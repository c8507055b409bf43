/**
 * Finding and following, through the API as people use it: threads and
 * their exact counts, search, pins, unread moved back, everything marked
 * read, notification levels, activity, @channel and @here, profiles, and
 * what #general refuses.
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mentions as mentionRows, messages } from "@/db/schema";
import { activityUnread } from "@/server/activity/read";
import type { TargetStreamEvent } from "@/server/realtime/events";
import { presence } from "@/server/realtime/presence";
import { type SearchStrategy, searchMessages } from "@/server/search/read";
import { type Caller, newUser, newWorkspace, type TestUser } from "@/testing/api";
import { collect } from "@/testing/collect";
import { testDatabase } from "@/testing/db";

const { db } = testDatabase("pg", 20);

const say = (
  api: Caller,
  place: { channelId: string } | { conversationId: string },
  body: string,
  extra: object = {},
) => api.message.send({ ...place, body, clientMessageId: randomUUID(), ...extra });

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

/** A workspace with ada (owner), bob and cy, all in #general. */
async function team() {
  const ada = await newUser(db, "Ada Lovelace");
  const bob = await newUser(db, "Bob Stone");
  const cy = await newUser(db, "Cy Young");
  const workspace = await newWorkspace(ada, [bob, cy]);
  const general = { channelId: workspace.generalChannelId };
  return { ada, bob, cy, workspace, general, workspaceId: workspace.id };
}

const channelOf = async (user: TestUser, workspaceId: string, channelId: string) =>
  (await user.api.channel.list({ workspaceId })).find((c) => c.id === channelId);

describe("threads", () => {
  it("numbers replies in the channel's sequence but counts them in the thread, not the channel", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    const root = await say(ada.api, general, "Release plan?");
    const r1 = await say(bob.api, general, "Tuesday", { parentId: root.id });
    // A reply to a reply goes under the same root.
    const r2 = await say(cy.api, general, "Works for me", { parentId: r1.id });
    const shown = await say(bob.api, general, "Tuesday it is", {
      parentId: root.id,
      alsoInChannel: true,
    });
    expect([root.sequence, r1.sequence, r2.sequence, shown.sequence]).toEqual([1, 2, 3, 4]);
    expect(r2.parentId).toBe(root.id);
    expect(shown.alsoInChannel).toBe(true);

    // Ada's channel unread counts only the reply also sent to the channel.
    expect((await channelOf(ada, workspaceId, general.channelId))?.unreadCount).toBe(1);
    // Ada follows her thread (its root's author): three replies unread there.
    const thread = await ada.api.message.thread({ messageId: r1.id });
    expect(thread.root.id).toBe(root.id);
    expect(thread.root.replyCount).toBe(3);
    expect(thread.root.replyUsers.map((u) => u.name)).toEqual(["Bob Stone", "Cy Young"]);
    expect(thread.replies.map((r) => r.sequence)).toEqual([2, 3, 4]);
    expect(thread).toMatchObject({ following: true, unreadCount: 3 });
    expect((await ada.api.message.threads({ workspaceId })).items[0]).toMatchObject({
      unreadCount: 3,
      replyCount: 3,
    });

    await ada.api.message.markThreadRead({ messageId: root.id, sequence: 3 });
    expect((await ada.api.message.thread({ messageId: root.id })).unreadCount).toBe(1);
    // Bob replied after Cy, so he follows and has read the thread up to his own reply.
    expect((await bob.api.message.thread({ messageId: root.id })).unreadCount).toBe(0);

    // Deleting a reply takes it out of the count; the root knows.
    await cy.api.message.delete({ messageId: r2.id });
    const after = await bob.api.message.thread({ messageId: root.id });
    expect(after.root.replyCount).toBe(2);
    expect(after.unreadCount).toBe(0);

    // Unfollowing: no unread, and the thread leaves the list.
    await ada.api.message.followThread({ messageId: root.id, following: false });
    expect(await ada.api.message.threads({ workspaceId })).toEqual({ items: [], nextCursor: null });
  });

  it("streams replies with their thread's summary, so every client's root stays current", async () => {
    const { ada, bob, general } = await team();
    const root = await say(ada.api, general, "Thoughts?");
    const controller = new AbortController();
    const stream = collect(
      (await ada
        .withSignal(controller.signal)
        .message.onEvent({ ...general })) as AsyncIterable<unknown>,
      controller,
      (value) => (value as [string, TargetStreamEvent])[1],
    );
    await stream.until((events) => events.some((e) => e.type === "sync"));
    await say(bob.api, general, "One", { parentId: root.id });
    await say(bob.api, general, "Two", { parentId: root.id });
    await stream.until((events) => events.filter((e) => e.type === "message.created").length === 2);
    await stream.stop();
    const summaries = stream.items.flatMap((e) => (e.type === "message.created" ? [e.thread] : []));
    const bobReplied = [{ id: bob.id, name: "Bob Stone" }];
    expect(summaries).toEqual([
      { rootId: root.id, replyCount: 1, lastReplyAt: expect.any(String), replyUsers: bobReplied },
      { rootId: root.id, replyCount: 2, lastReplyAt: expect.any(String), replyUsers: bobReplied },
    ]);
  });

  it("pages the followed threads with a cursor, latest reply first, each once", async () => {
    const { ada, bob, general, workspaceId } = await team();
    const roots = [];
    for (let i = 0; i < 5; i++) {
      const root = await say(ada.api, general, `topic ${i}`);
      await say(bob.api, general, `reply ${i}`, { parentId: root.id });
      roots.push(root.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ada.api.message.threads({ workspaceId, limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((thread) => thread.root.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...roots].reverse());
    // Every thread on the first page of the default size, too.
    expect((await ada.api.message.threads({ workspaceId })).items).toHaveLength(5);
  });

  it("refuses a parent from another channel", async () => {
    const { ada, general, workspaceId } = await team();
    const { id: channelId } = await ada.api.channel.create({ workspaceId, name: "other" });
    const elsewhere = await say(ada.api, { channelId }, "elsewhere");
    expect(await codeOf(say(ada.api, general, "reply", { parentId: elsewhere.id }))).toBe(
      "NOT_FOUND",
    );
  });
});

describe("message.get", () => {
  it("finds a message by id and by its place, and nothing beyond the last", async () => {
    const { ada, bob, general } = await team();
    const sent = await say(ada.api, general, "findable");
    expect((await bob.api.message.get({ messageId: sent.id })).body).toBe("findable");
    expect((await bob.api.message.get({ ...general, sequence: sent.sequence })).id).toBe(sent.id);
    expect(await codeOf(bob.api.message.get({ ...general, sequence: 99 }))).toBe("NOT_FOUND");
  });
});

describe("pins", () => {
  it("pins for everyone, lists most recent first, and unpins; a deleted message leaves the list", async () => {
    const { ada, bob, general } = await team();
    const a = await say(ada.api, general, "first");
    const b = await say(ada.api, general, "second");
    await bob.api.message.pin({ messageId: a.id });
    const pinned = await ada.api.message.pin({ messageId: b.id });
    expect(pinned.pinnedBy).toBe(ada.id);
    expect((await bob.api.channel.pins(general)).items.map((m) => m.body)).toEqual([
      "second",
      "first",
    ]);
    await ada.api.message.unpin({ messageId: a.id });
    await ada.api.message.delete({ messageId: b.id });
    expect(await bob.api.channel.pins(general)).toEqual({ items: [], nextCursor: null });
  });

  it("pages the pins with a cursor, most recently pinned first, each once", async () => {
    const { ada, general } = await team();
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await say(ada.api, general, `pin ${i}`));
    for (const message of sent) await ada.api.message.pin({ messageId: message.id });
    const first = await ada.api.channel.pins({ ...general, limit: 3 });
    expect(first.items.map((m) => m.body)).toEqual(["pin 4", "pin 3", "pin 2"]);
    const rest = await ada.api.channel.pins({
      ...general,
      limit: 3,
      cursor: first.nextCursor ?? undefined,
    });
    expect(rest.items.map((m) => m.body)).toEqual(["pin 1", "pin 0"]);
    expect(rest.nextCursor).toBeNull();
  });

  it("refuses to pin in an archived channel", async () => {
    const { ada, workspaceId } = await team();
    const { id: channelId } = await ada.api.channel.create({ workspaceId, name: "old" });
    const sent = await say(ada.api, { channelId }, "keep");
    await ada.api.channel.archive({ channelId });
    expect(await codeOf(ada.api.message.pin({ messageId: sent.id }))).toBe("FORBIDDEN");
  });
});

describe("read positions", () => {
  it("moves back with markUnread, forward again with markRead, and markAllRead clears a workspace", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    for (let i = 0; i < 5; i++) await say(ada.api, general, `m${i}`);
    const dm = await ada.api.conversation.open({ workspaceId, userIds: [bob.id] });
    await say(ada.api, { conversationId: dm.id }, "psst");
    await bob.api.message.markRead({ ...general, sequence: 5 });
    const back = await bob.api.message.markUnread({ ...general, sequence: 3 });
    expect(back).toMatchObject({ lastReadSequence: 2, unreadCount: 3 });
    expect(await bob.api.message.markRead({ ...general, sequence: 1 })).toMatchObject({
      lastReadSequence: 2,
    });
    const root = await say(ada.api, general, "thread");
    await say(cy.api, general, "reply", { parentId: root.id });
    await bob.api.message.followThread({ messageId: root.id, following: true });
    expect((await bob.api.message.thread({ messageId: root.id })).unreadCount).toBe(1);

    expect(await bob.api.workspace.markAllRead({ workspaceId })).toEqual({
      channels: 1,
      conversations: 1,
    });
    expect((await channelOf(bob, workspaceId, general.channelId))?.unreadCount).toBe(0);
    expect((await bob.api.conversation.list({ workspaceId }))[0]?.unreadCount).toBe(0);
    expect((await bob.api.message.thread({ messageId: root.id })).unreadCount).toBe(0);
  });
});

describe("workspace.markAllRead", () => {
  it("marks followed threads read in that workspace only", async () => {
    const { ada, bob, general, workspaceId } = await team();
    const elsewhere = await newWorkspace(ada, [bob], "Elsewhere");
    const there = { channelId: elsewhere.generalChannelId };
    const here = await say(ada.api, general, "here?");
    await say(bob.api, general, "yes", { parentId: here.id });
    const away = await say(ada.api, there, "there?");
    await say(bob.api, there, "also yes", { parentId: away.id });
    expect((await ada.api.message.thread({ messageId: away.id })).unreadCount).toBe(1);

    await ada.api.workspace.markAllRead({ workspaceId });
    expect((await ada.api.message.thread({ messageId: here.id })).unreadCount).toBe(0);
    expect((await ada.api.message.thread({ messageId: away.id })).unreadCount).toBe(1);
    expect(
      (await ada.api.message.threads({ workspaceId: elsewhere.id })).items[0]?.unreadCount,
    ).toBe(1);
  });
});

describe("notification levels", () => {
  it("defaults to mentions in channels and all in conversations, and keeps what people choose", async () => {
    const { ada, bob, general, workspaceId } = await team();
    expect(await channelOf(ada, workspaceId, general.channelId)).toMatchObject({
      notify: "mentions",
      muted: false,
    });
    expect(
      await ada.api.channel.setNotifications({ ...general, level: "all", muted: true }),
    ).toEqual({
      level: "all",
      muted: true,
    });
    expect(await channelOf(ada, workspaceId, general.channelId)).toMatchObject({
      notify: "all",
      muted: true,
    });
    const dm = await ada.api.conversation.open({ workspaceId, userIds: [bob.id] });
    expect((await bob.api.conversation.get({ conversationId: dm.id })).notify).toBe("all");
    // Muted still counts exactly.
    await say(bob.api, general, "hello");
    expect((await channelOf(ada, workspaceId, general.channelId))?.unreadCount).toBe(1);
  });
});

describe("@channel and @here", () => {
  it("mentions every member with @channel, and is refused where only admins may", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    await say(bob.api, general, "<!channel> standup in 5");
    expect((await channelOf(ada, workspaceId, general.channelId))?.mentionCount).toBe(1);
    expect((await channelOf(cy, workspaceId, general.channelId))?.mentionCount).toBe(1);
    expect((await channelOf(bob, workspaceId, general.channelId))?.mentionCount).toBe(0);
    await ada.api.channel.update({ ...general, broadcast: "admins" });
    expect(await codeOf(say(bob.api, general, "<!here> anyone?"))).toBe("FORBIDDEN");
    await say(ada.api, general, "<!here> I can");
  });

  it("keeps the mentions an @channel made when its message is edited, and drops them with it", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    const mentions = async () =>
      Promise.all(
        [ada, cy].map(
          async (u) => (await channelOf(u, workspaceId, general.channelId))?.mentionCount,
        ),
      );
    const sent = await say(bob.api, general, "<!channel> standup in 5");
    expect(await mentions()).toEqual([1, 1]);
    const madeAt = () =>
      db
        .select({ userId: mentionRows.userId, at: mentionRows.createdAt })
        .from(mentionRows)
        .where(eq(mentionRows.messageId, sent.id))
        .orderBy(mentionRows.userId);
    const before = await madeAt();
    await bob.api.message.edit({ messageId: sent.id, body: "<!channel> standup in 10" });
    expect(await mentions()).toEqual([1, 1]);
    // Kept, not made again: the notification mails go by when a mention was made.
    expect(await madeAt()).toEqual(before);
    // Restricting the channel later does not stop its author fixing a typo.
    await ada.api.channel.update({ ...general, broadcast: "admins" });
    await bob.api.message.edit({ messageId: sent.id, body: "<!channel> standup in 15" });
    expect(await mentions()).toEqual([1, 1]);
    await bob.api.message.edit({ messageId: sent.id, body: "standup in 15" });
    expect(await mentions()).toEqual([0, 0]);
    // Adding one back is a new notification: refused where only admins may, and nothing changes.
    expect(
      await codeOf(bob.api.message.edit({ messageId: sent.id, body: "<!here> standup in 15" })),
    ).toBe("FORBIDDEN");
    expect((await bob.api.message.get({ messageId: sent.id })).body).toBe("standup in 15");
    await ada.api.channel.update({ ...general, broadcast: "members" });
    await bob.api.message.edit({ messageId: sent.id, body: "<!channel> standup now" });
    expect(await mentions()).toEqual([1, 1]);
  });

  it("keeps whom an @here reached when its message is edited, though they went offline", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    const mentionsOf = async (u: TestUser) =>
      (await channelOf(u, workspaceId, general.channelId))?.mentionCount;
    await presence().enter(workspaceId, ada.id);
    const sent = await say(bob.api, general, "<!here> who is around?");
    await presence().leave(workspaceId, ada.id);
    expect([await mentionsOf(ada), await mentionsOf(cy)]).toEqual([1, 0]);
    await bob.api.message.edit({ messageId: sent.id, body: "<!here> who is around today?" });
    expect([await mentionsOf(ada), await mentionsOf(cy)]).toEqual([1, 0]);
    // An @here the edit adds reaches whoever is online now.
    const plain = await say(bob.api, general, "lunch?");
    await presence().enter(workspaceId, cy.id);
    try {
      await bob.api.message.edit({ messageId: plain.id, body: "<!here> lunch?" });
    } finally {
      await presence().leave(workspaceId, cy.id);
    }
    expect([await mentionsOf(ada), await mentionsOf(cy)]).toEqual([1, 1]);
  });
});

describe("channel.typing", () => {
  it("takes a thread's root in the same place, and refuses a reply or a message elsewhere", async () => {
    const { ada, bob, general, workspaceId } = await team();
    const root = await say(ada.api, general, "thread");
    const reply = await say(bob.api, general, "reply", { parentId: root.id });
    const { id: channelId } = await ada.api.channel.create({ workspaceId, name: "other" });
    expect(await bob.api.channel.typing({ ...general, threadId: root.id })).toEqual({ ok: true });
    expect(await codeOf(bob.api.channel.typing({ ...general, threadId: reply.id }))).toBe(
      "BAD_REQUEST",
    );
    expect(await codeOf(ada.api.channel.typing({ channelId, threadId: root.id }))).toBe(
      "NOT_FOUND",
    );
  });
});

describe("channel settings", () => {
  it("reads back the broadcast policy from channel.get, channel.list and channel.update", async () => {
    const { ada, bob, general, workspaceId } = await team();
    expect((await bob.api.channel.get(general)).broadcast).toBe("members");
    expect(await ada.api.channel.update({ ...general, broadcast: "admins" })).toMatchObject({
      broadcast: "admins",
    });
    expect((await bob.api.channel.get(general)).broadcast).toBe("admins");
    expect((await channelOf(bob, workspaceId, general.channelId))?.broadcast).toBe("admins");
    expect(await codeOf(bob.api.channel.update({ ...general, broadcast: "members" }))).toBe(
      "FORBIDDEN",
    );
  });
});

describe("activity", () => {
  it("lists mentions, replies in followed threads and reactions to my messages, with unread state", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    const mine = await say(ada.api, general, "my message");
    await say(bob.api, general, `hey <@${ada.id}>`);
    await say(cy.api, general, "reply", { parentId: mine.id });
    await bob.api.message.react({ messageId: mine.id, emoji: "🎉" });
    const { items } = await ada.api.activity.list({ workspaceId });
    expect(items.map((item) => item.kind)).toEqual(["reaction", "reply", "mention"]);
    expect(items.every((item) => item.unread)).toBe(true);
    const reaction = items[0];
    expect(reaction?.kind === "reaction" && reaction.by.name).toBe("Bob Stone");

    const firstPage = await ada.api.activity.list({ workspaceId, limit: 2 });
    expect(firstPage.items).toHaveLength(2);
    const rest = await ada.api.activity.list({
      workspaceId,
      cursor: firstPage.nextCursor ?? undefined,
    });
    expect(rest.items.map((item) => item.kind)).toEqual(["mention"]);
    expect(rest.nextCursor).toBeNull();

    await ada.api.activity.markRead({ workspaceId });
    expect((await ada.api.activity.list({ workspaceId })).items.some((i) => i.unread)).toBe(false);
  });

  it("counts unread activity up to 100 in all, not 100 of each kind", async () => {
    const { ada, bob, general, workspaceId } = await team();
    const mine = [];
    for (let i = 0; i < 60; i++) mine.push(await say(ada.api, general, `mine ${i}`));
    for (let i = 0; i < 60; i++) await say(bob.api, general, `<@${ada.id}> ${i}`);
    await Promise.all(
      mine.map((message) => bob.api.message.react({ messageId: message.id, emoji: "👍" })),
    );
    expect(await activityUnread(db, ada.id, workspaceId)).toBe(100);
    await ada.api.activity.markRead({ workspaceId });
    await say(bob.api, general, `<@${ada.id}> one more`);
    expect(await activityUnread(db, ada.id, workspaceId)).toBe(1);
  });

  it("forgets what comes from a channel the person left", async () => {
    const { ada, bob, workspaceId } = await team();
    const { id: channelId } = await bob.api.channel.create({ workspaceId, name: "side" });
    await bob.api.channel.addMember({ channelId, userId: ada.id });
    await say(bob.api, { channelId }, `<@${ada.id}> look`);
    expect((await ada.api.activity.list({ workspaceId })).items).toHaveLength(1);
    await ada.api.channel.leave({ channelId });
    expect((await ada.api.activity.list({ workspaceId })).items).toHaveLength(0);
  });
});

describe("search", () => {
  it("finds words, phrases, prefixes and filters, only where the searcher can read now", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    const { id: secret } = await bob.api.channel.create({
      workspaceId,
      name: "secret",
      isPrivate: true,
    });
    await say(bob.api, { channelId: secret }, "deploying the rocket tonight");
    await say(ada.api, general, "The deploy failed again");
    await say(bob.api, general, "Deployment guide: https://example.com/deploy");
    await say(cy.api, general, "Lunch at noon?");
    const dm = await ada.api.conversation.open({ workspaceId, userIds: [cy.id] });
    await say(cy.api, { conversationId: dm.id }, "deploy notes for you");

    const bodies = async (user: TestUser, query: string) =>
      (await user.api.message.search({ workspaceId, query })).hits
        .map((h) => h.message.body)
        .sort();

    // Stemming: "deploy" finds "deployment" (and "deploying"); Ada cannot read #secret.
    expect(await bodies(ada, "deploy ")).toEqual(
      [
        "deploy notes for you",
        "The deploy failed again",
        "Deployment guide: https://example.com/deploy",
      ].sort(),
    );
    expect(await bodies(bob, "deploy ")).toContain("deploying the rocket tonight");
    // The word being typed matches as a prefix.
    expect(await bodies(ada, "deploym")).toEqual(["Deployment guide: https://example.com/deploy"]);
    expect(await bodies(ada, '"failed again"')).toEqual(["The deploy failed again"]);
    expect(await bodies(ada, "deploy -failed -guide ")).toEqual(["deploy notes for you"]);
    expect(await bodies(ada, "lunch OR notes ")).toHaveLength(2);
    expect(await bodies(ada, "from:@bob")).toEqual([
      "Deployment guide: https://example.com/deploy",
    ]);
    expect(await bodies(ada, "deploy in:@cy ")).toEqual(["deploy notes for you"]);
    expect(await bodies(ada, "in:#general has:link")).toEqual([
      "Deployment guide: https://example.com/deploy",
    ]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await bodies(ada, `lunch on:${today} `)).toHaveLength(1);
    expect(await bodies(ada, `lunch before:${today} `)).toHaveLength(0);
    expect(await bodies(ada, "from:@nobody-here")).toEqual([]);

    // Highlights are offsets into the body ("again" is a stop word: it matches anything).
    const [hit] = (await ada.api.message.search({ workspaceId, query: '"failed again"' })).hits;
    expect(hit?.highlights.map((h) => hit.message.body.slice(h.start, h.end))).toEqual(["failed"]);
    const [typed] = (await ada.api.message.search({ workspaceId, query: "guide deploym" })).hits;
    expect(typed?.highlights.map((h) => typed.message.body.slice(h.start, h.end))).toEqual([
      "Deployment",
      "guide",
    ]);
    const [unicode] = (await ada.api.message.search({ workspaceId, query: "rocket " })).hits;
    expect(unicode).toBeUndefined();
  });

  it("finds the same newest matches, in the same order, whether it walks each place or uses the indexes", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    const { id: secret } = await bob.api.channel.create({
      workspaceId,
      name: "vault",
      isPrivate: true,
    });
    const { id: other } = await ada.api.channel.create({ workspaceId, name: "ops" });
    const dm = await ada.api.conversation.open({ workspaceId, userIds: [cy.id] });
    const gone = await say(ada.api, general, "gadget to delete");
    await ada.api.message.delete({ messageId: gone.id });
    // More than a page of candidates: each place's newest matter, and the newest 500 of all.
    for (let i = 0; i < 30; i++) {
      await say(i % 2 ? ada.api : bob.api, general, `gadget review ${i}`);
      if (i % 3 === 0)
        await say(ada.api, { channelId: other }, `gadget in ops ${i} https://x.test`);
      if (i % 5 === 0) await say(cy.api, { conversationId: dm.id }, `gadget note ${i}`);
      if (i % 4 === 0) await say(bob.api, { channelId: secret }, `gadget secret ${i}`);
    }
    const page = (query: string, strategy: SearchStrategy, cursor?: string) =>
      searchMessages(db, ada.id, workspaceId, { query, cursor, limit: 7 }, strategy);
    for (const query of [
      "gadget ",
      "gadg",
      '"gadget review"',
      "review OR note ",
      "gadget -ops",
      "gadget in:#ops ",
      "gadget from:@bob ",
      "gadget in:@cy ",
      "gadget has:link ",
      "nothing-like-it ",
    ]) {
      let walked = await page(query, "walk");
      let indexed = await page(query, "index");
      for (let pages = 0; ; pages++) {
        expect(
          walked.hits.map((hit) => hit.message.id),
          query,
        ).toEqual(indexed.hits.map((hit) => hit.message.id));
        expect(walked.hits.some((hit) => hit.message.body.includes("secret"))).toBe(false);
        expect(walked.nextCursor).toBe(indexed.nextCursor);
        if (!walked.nextCursor || pages > 10) break;
        walked = await page(query, "walk", walked.nextCursor);
        indexed = await page(query, "index", indexed.nextCursor ?? undefined);
      }
    }
    expect((await page("gadget ", "walk")).hits).toHaveLength(7);
  });

  it("stops finding what the searcher can no longer read, deleted messages, and old words of edits", async () => {
    const { ada, bob, workspaceId } = await team();
    const { id: channelId } = await ada.api.channel.create({ workspaceId, name: "team" });
    await ada.api.channel.addMember({ channelId, userId: bob.id });
    const edited = await say(ada.api, { channelId }, "zebra crossing");
    const gone = await say(ada.api, { channelId }, "zebra stripes");
    const count = async () =>
      (await bob.api.message.search({ workspaceId, query: "zebra " })).hits.length;
    expect(await count()).toBe(2);
    await ada.api.message.edit({ messageId: edited.id, body: "horse crossing" });
    await ada.api.message.delete({ messageId: gone.id });
    expect(await count()).toBe(0);
    expect(
      (await bob.api.message.search({ workspaceId, query: "horse " })).hits.map(
        (h) => h.message.id,
      ),
    ).toEqual([edited.id]);
    await ada.api.channel.removeMember({ channelId, userId: bob.id });
    expect((await bob.api.message.search({ workspaceId, query: "horse " })).hits).toEqual([]);
  });

  it("applies OR to the word being typed, and reads several from: as any of them", async () => {
    const { ada, bob, cy, general, workspaceId } = await team();
    await say(ada.api, general, "Lunch at noon?");
    await say(bob.api, general, "Deployment done");
    await say(cy.api, general, "Dinner plans");
    const bodies = async (query: string) =>
      (await ada.api.message.search({ workspaceId, query })).hits.map((h) => h.message.body).sort();
    expect(await bodies("lunch OR deploym")).toEqual(["Deployment done", "Lunch at noon?"]);
    expect(await bodies("dinner OR lunch OR deploym")).toHaveLength(3);
    // Without OR the word being typed is still required, as every other word is.
    expect(await bodies("lunch deploym")).toEqual([]);
    expect(await bodies("-lunch deploym")).toEqual(["Deployment done"]);
    const [hit] = (
      await ada.api.message.search({ workspaceId, query: "lunch OR deploym" })
    ).hits.filter((h) => h.message.body.startsWith("Deployment"));
    expect(hit?.highlights.map((h) => hit.message.body.slice(h.start, h.end))).toEqual([
      "Deployment",
    ]);

    expect(await bodies("from:@bob from:@cy")).toEqual(["Deployment done", "Dinner plans"]);
    expect(await bodies("from:@bob from:@nobody-here")).toEqual(["Deployment done"]);
    expect(await bodies("from:@nobody-here from:@nobody-either")).toEqual([]);
  });

  it("leaves the named day out of before: and after:, and takes all of it with on:", async () => {
    const { ada, general, workspaceId } = await team();
    const at = {
      "2026-11-29T23:59:59.999Z": "dayfilter evening before",
      "2026-11-30T00:00:00.000Z": "dayfilter first moment",
      "2026-11-30T23:59:59.999Z": "dayfilter last moment",
      "2026-12-01T00:00:00.000Z": "dayfilter next morning",
    };
    for (const [time, body] of Object.entries(at)) {
      const sent = await say(ada.api, general, body);
      await db
        .update(messages)
        .set({ createdAt: new Date(time) })
        .where(eq(messages.id, sent.id));
    }
    const bodies = async (filter: string) =>
      (await ada.api.message.search({ workspaceId, query: `dayfilter ${filter}` })).hits
        .map((h) => h.message.body)
        .sort();
    expect(await bodies("before:2026-11-30")).toEqual(["dayfilter evening before"]);
    expect(await bodies("after:2026-11-30")).toEqual(["dayfilter next morning"]);
    expect(await bodies("on:2026-11-30")).toEqual([
      "dayfilter first moment",
      "dayfilter last moment",
    ]);
    expect(await bodies("after:2026-11-29 before:2026-12-01")).toEqual([
      "dayfilter first moment",
      "dayfilter last moment",
    ]);
  });

  it("pages through results with its cursor, and refuses an empty query", async () => {
    const { ada, general, workspaceId } = await team();
    for (let i = 0; i < 7; i++) await say(ada.api, general, `pager item ${i}`);
    const first = await ada.api.message.search({ workspaceId, query: "pager ", limit: 5 });
    expect(first.hits).toHaveLength(5);
    const second = await ada.api.message.search({
      workspaceId,
      query: "pager ",
      limit: 5,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second.hits).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.hits, ...second.hits].map((h) => h.message.id);
    expect(new Set(ids).size).toBe(7);
    expect(await codeOf(ada.api.message.search({ workspaceId, query: "  " }))).toBe("BAD_REQUEST");
    // A cursor that does not decode is refused, not taken for the first page.
    expect(
      await codeOf(ada.api.message.search({ workspaceId, query: "pager ", cursor: "!!!" })),
    ).toBe("BAD_REQUEST");
  });
});

describe("cursors", () => {
  /** Every page of a listing, one item at a time. */
  async function everyPage<T>(
    page: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
  ) {
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const next = await page(cursor);
      all.push(...next.items);
      cursor = next.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }
  // Microseconds apart, in one millisecond: a cursor holding milliseconds would skip two of three.
  const times = [
    "2026-11-30T10:00:00.123100Z",
    "2026-11-30T10:00:00.123200Z",
    "2026-11-30T10:00:00.123300Z",
  ];
  const at = (time: string) => sql`${time}::timestamptz`;

  it("pages exactly through threads, pins and activity of the same millisecond", async () => {
    const { ada, bob, general, workspaceId } = await team();
    const roots = [];
    for (const [i, time] of times.entries()) {
      const root = await say(ada.api, general, `same ms ${i}`);
      await say(bob.api, general, `<@${ada.id}> reply ${i}`, { parentId: root.id });
      await ada.api.message.pin({ messageId: root.id });
      await db
        .update(messages)
        .set({ lastReplyAt: at(time), pinnedAt: at(time) })
        .where(eq(messages.id, root.id));
      await db
        .update(messages)
        .set({ createdAt: at(time) })
        .where(eq(messages.parentId, root.id));
      roots.push(root.id);
    }
    const newestFirst = [...roots].reverse();
    const threads = await everyPage((cursor) =>
      ada.api.message.threads({ workspaceId, limit: 1, cursor }),
    );
    expect(threads.map((t) => t.root.id)).toEqual(newestFirst);
    const pins = await everyPage((cursor) =>
      ada.api.channel.pins({ ...general, limit: 1, cursor }),
    );
    expect(pins.map((m) => m.id)).toEqual(newestFirst);
    const activity = await everyPage((cursor) =>
      ada.api.activity.list({ workspaceId, limit: 1, cursor }),
    );
    expect(activity.map((item) => item.message.parentId)).toEqual(newestFirst);
  });
});

describe("profiles", () => {
  it("changes a name and status that the workspace sees", async () => {
    const { ada, bob, workspaceId } = await team();
    await ada.api.user.update({ name: "Ada King", status: "Writing notes" });
    expect(await bob.api.user.profile({ workspaceId, userId: ada.id })).toMatchObject({
      name: "Ada King",
      status: "Writing notes",
      role: "owner",
      online: false,
    });
    expect((await ada.api.user.me()).status).toBe("Writing notes");
  });
});

describe("#general", () => {
  it("cannot be left, archived or renamed, and nobody is removed from it", async () => {
    const { ada, bob, general } = await team();
    expect(await codeOf(bob.api.channel.leave(general))).toBe("FORBIDDEN");
    expect(await codeOf(ada.api.channel.archive(general))).toBe("FORBIDDEN");
    expect(await codeOf(ada.api.channel.update({ ...general, name: "random" }))).toBe("FORBIDDEN");
    expect(await codeOf(ada.api.channel.removeMember({ ...general, userId: bob.id }))).toBe(
      "FORBIDDEN",
    );
  });
});
