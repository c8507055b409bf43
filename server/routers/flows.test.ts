import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { anonymous, newUser, newWorkspace, type TestUser, withToken } from "@/testing/api";
import { testDatabase } from "@/testing/db";

const { db } = testDatabase("pg", 20);

describe("the API's main flows", () => {
  it("signs up, creates a workspace with #general, sends, lists and counts unread exactly", async () => {
    const ada = await newUser(db, "Ada");
    const bob = await newUser(db, "Bob");
    const workspace = await newWorkspace(ada, [bob]);
    const channels = await bob.api.channel.list({ workspaceId: workspace.id });
    expect(channels.map((c) => c.name)).toEqual(["general"]);
    const general = channels[0]?.id as string;

    const sent = [];
    for (let i = 1; i <= 3; i++) {
      sent.push(
        await ada.api.message.send({
          channelId: general,
          body: `hello ${i}`,
          clientMessageId: randomUUID(),
        }),
      );
    }
    expect(sent.map((m) => m.sequence)).toEqual([1, 2, 3]);
    const [forBob] = await bob.api.channel.list({ workspaceId: workspace.id });
    expect(forBob).toMatchObject({ lastSequence: 3, lastReadSequence: 0, unreadCount: 3 });
    const [forAda] = await ada.api.channel.list({ workspaceId: workspace.id });
    expect(forAda).toMatchObject({ lastReadSequence: 3, unreadCount: 0 });

    await ada.api.message.delete({ messageId: sent[1]?.id as string });
    expect((await bob.api.channel.list({ workspaceId: workspace.id }))[0]?.unreadCount).toBe(2);
    expect(await bob.api.message.markRead({ channelId: general, sequence: 2 })).toMatchObject({
      lastReadSequence: 2,
      unreadCount: 1,
    });
    expect(await bob.api.message.markRead({ channelId: general, sequence: 1 })).toMatchObject({
      lastReadSequence: 2,
    });
    const history = await bob.api.message.list({ channelId: general });
    expect(history.map((m) => [m.sequence, m.body])).toEqual([
      [1, "hello 1"],
      [2, ""],
      [3, "hello 3"],
    ]);
  });

  it("authenticates API tokens and refuses revoked ones", async () => {
    const ada = await newUser(db);
    const { id, token } = await ada.api.token.create({ name: "bot" });
    const bot = await withToken(db, token);
    expect((await bot.user.me()).id).toBe(ada.id);
    await ada.api.token.revoke({ tokenId: id });
    await expect((await withToken(db, token)).user.me()).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: expect.stringContaining("revoked"),
    });
    await expect(anonymous(db).user.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("returns the original message when a send is replayed, however often and concurrently", async () => {
    const ada = await newUser(db, "Ada");
    const bob = await newUser(db, "Bob");
    const workspace = await newWorkspace(ada, [bob]);
    const channelId = workspace.generalChannelId;
    const send = (user: TestUser, clientMessageId: string, body = "hello") =>
      user.api.message.send({ channelId, body, clientMessageId });
    const identity = (m: { id: string; sequence: number; body: string; createdAt: string }) => ({
      id: m.id,
      sequence: m.sequence,
      body: m.body,
      createdAt: m.createdAt,
    });

    const first = await send(ada, randomUUID(), "first");
    expect(first.sequence).toBe(1);
    // Sequential replays, also with another body: the stored message comes back.
    for (const body of ["first", "first, edited by a confused client"]) {
      const replay = await send(ada, first.clientMessageId.toUpperCase(), body);
      expect(identity(replay)).toEqual(identity(first));
    }

    // Ten concurrent sends of a new clientMessageId store one message.
    const burstId = randomUUID();
    const burst = await Promise.all(Array.from({ length: 10 }, () => send(ada, burstId, "burst")));
    expect(new Set(burst.map((m) => m.id)).size).toBe(1);
    expect(burst.map((m) => m.sequence)).toEqual(Array(10).fill(2));
    // Ten concurrent replays of a stored one return it.
    const replays = await Promise.all(Array.from({ length: 10 }, () => send(ada, burstId)));
    expect(replays.map(identity)).toEqual(Array(10).fill(identity(burst[0] as typeof first)));

    // The same clientMessageId from someone else is their own message.
    const bobs = await send(bob, first.clientMessageId, "bob's");
    expect(bobs).toMatchObject({ sequence: 3, author: { id: bob.id }, body: "bob's" });
    expect(bobs.id).not.toBe(first.id);

    const history = await bob.api.message.list({ channelId });
    expect(history.map((m) => [m.sequence, m.author.id, m.body])).toEqual([
      [1, ada.id, "first"],
      [2, ada.id, "burst"],
      [3, bob.id, "bob's"],
    ]);
    const [general] = await ada.api.channel.list({ workspaceId: workspace.id });
    expect(general?.lastSequence).toBe(3);
    // Replays took no numbers: the next send is 4.
    expect((await send(ada, randomUUID())).sequence).toBe(4);
  });

  it("opens one conversation per set of people, also when both sides race", async () => {
    const ada = await newUser(db, "Ada");
    const bob = await newUser(db, "Bob");
    const cid = await newUser(db, "Cid");
    const workspace = await newWorkspace(ada, [bob, cid]);
    const workspaceId = workspace.id;

    const races = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? ada.api.conversation.open({ workspaceId, userIds: [bob.id] })
          : bob.api.conversation.open({ workspaceId, userIds: [ada.id] }),
      ),
    );
    const pair = races[0]?.id as string;
    expect(races.map((r) => r.id)).toEqual(Array(20).fill(pair));
    expect(races.filter((r) => r.created)).toHaveLength(1);
    // Naming yourself or someone twice names the same set.
    expect(
      (await ada.api.conversation.open({ workspaceId, userIds: [bob.id, ada.id, bob.id] })).id,
    ).toBe(pair);

    const trio = await Promise.all([
      ada.api.conversation.open({ workspaceId, userIds: [bob.id, cid.id] }),
      ada.api.conversation.open({ workspaceId, userIds: [cid.id, bob.id] }),
      bob.api.conversation.open({ workspaceId, userIds: [cid.id, ada.id] }),
      cid.api.conversation.open({ workspaceId, userIds: [ada.id, bob.id] }),
    ]);
    const trioId = trio[0]?.id as string;
    expect(trio.map((r) => r.id)).toEqual(Array(4).fill(trioId));
    expect(trioId).not.toBe(pair);
    const adaCid = await ada.api.conversation.open({ workspaceId, userIds: [cid.id] });
    expect([pair, trioId]).not.toContain(adaCid.id);

    const byMembers = (list: { id: string; members: { id: string }[] }[]) =>
      Object.fromEntries(list.map((c) => [c.id, c.members.map((m) => m.id).sort()]));
    expect(byMembers(await ada.api.conversation.list({ workspaceId }))).toEqual({
      [pair]: [ada.id, bob.id].sort(),
      [trioId]: [ada.id, bob.id, cid.id].sort(),
      [adaCid.id]: [ada.id, cid.id].sort(),
    });
    expect(Object.keys(byMembers(await bob.api.conversation.list({ workspaceId }))).sort()).toEqual(
      [pair, trioId].sort(),
    );
  });

  describe("unread counts", () => {
    /**
     * Ada, Bob and Cid talk in one place while Dan reads, then joins in; `place` sends and
     * reads there, `counts` lists everybody's read position and unread count.
     */
    async function exerciseUnreadCounts(
      people: { ada: TestUser; bob: TestUser; cid: TestUser; dan: TestUser },
      place: {
        send(user: TestUser, body: string): Promise<{ id: string; sequence: number }>;
        markRead(
          user: TestUser,
          sequence: number,
        ): Promise<{ lastReadSequence: number; unreadCount: number }>;
        state(
          user: TestUser,
        ): Promise<{ lastSequence: number; lastReadSequence: number | null; unreadCount: number }>;
      },
    ) {
      const { ada, bob, cid, dan } = people;
      const counts = async () => {
        const entries = await Promise.all(
          Object.entries(people).map(async ([name, user]) => {
            const state = await place.state(user);
            return [name, [state.lastReadSequence, state.unreadCount]] as const;
          }),
        );
        return Object.fromEntries(entries);
      };

      const m1 = await place.send(ada, "one");
      await place.send(bob, "two");
      const m3 = await place.send(cid, "three");
      await place.send(bob, "four");
      expect((await place.state(dan)).lastSequence).toBe(4);
      // Own messages never count; sending moves the sender's read position to it.
      expect(await counts()).toEqual({
        ada: [1, 3],
        bob: [4, 0],
        cid: [3, 1],
        dan: [0, 4],
      });

      // Deleted messages do not count (they keep their number).
      await cid.api.message.delete({ messageId: m3.id });
      await ada.api.message.delete({ messageId: m1.id });
      expect(await counts()).toEqual({
        ada: [1, 2],
        bob: [4, 0],
        cid: [3, 1],
        dan: [0, 2],
      });

      expect(await place.markRead(dan, 2)).toMatchObject({ lastReadSequence: 2, unreadCount: 1 });
      // Backwards does not move it.
      expect(await place.markRead(dan, 1)).toMatchObject({ lastReadSequence: 2, unreadCount: 1 });
      expect(await place.markRead(dan, 0)).toMatchObject({ lastReadSequence: 2, unreadCount: 1 });
      expect((await place.state(dan)).lastReadSequence).toBe(2);
      // Beyond the latest caps at the latest.
      expect(await place.markRead(ada, 1000)).toMatchObject({
        lastReadSequence: 4,
        unreadCount: 0,
      });
      expect(await counts()).toEqual({
        ada: [4, 0],
        bob: [4, 0],
        cid: [3, 1],
        dan: [2, 1],
      });

      // Later messages count again, from several people; Ada's capped position
      // leaves them unread.
      await place.send(dan, "five");
      await place.send(cid, "six");
      await place.send(dan, "seven");
      expect(await counts()).toEqual({
        ada: [4, 3],
        bob: [4, 3],
        cid: [6, 1],
        dan: [7, 0],
      });
    }

    it("are exact in channels", async () => {
      const [ada, bob, cid, dan] = (await Promise.all(
        ["Ada", "Bob", "Cid", "Dan"].map((name) => newUser(db, name)),
      )) as [TestUser, TestUser, TestUser, TestUser];
      const workspace = await newWorkspace(ada, [bob, cid, dan]);
      const workspaceId = workspace.id;
      const { id: channelId } = await ada.api.channel.create({ workspaceId, name: "unread" });
      for (const user of [bob, cid, dan]) await user.api.channel.join({ channelId });

      await exerciseUnreadCounts(
        { ada, bob, cid, dan },
        {
          send: (user, body) =>
            user.api.message.send({ channelId, body, clientMessageId: randomUUID() }),
          markRead: (user, sequence) => user.api.message.markRead({ channelId, sequence }),
          async state(user) {
            const channel = (await user.api.channel.list({ workspaceId })).find(
              (c) => c.id === channelId,
            );
            if (!channel) throw new Error(`${user.name} does not see the channel`);
            return channel;
          },
        },
      );

      // Someone who is not a member sees the public channel with nothing unread.
      const eve = await newUser(db, "Eve");
      const { code } = await ada.api.workspace.createInvite({ workspaceId });
      await eve.api.workspace.join({ code });
      const seen = (await eve.api.channel.list({ workspaceId })).find((c) => c.id === channelId);
      expect(seen).toMatchObject({ lastSequence: 7, lastReadSequence: null, unreadCount: 0 });
    });

    it("are exact in conversations", async () => {
      const [ada, bob, cid, dan] = (await Promise.all(
        ["Ada", "Bob", "Cid", "Dan"].map((name) => newUser(db, name)),
      )) as [TestUser, TestUser, TestUser, TestUser];
      const workspace = await newWorkspace(ada, [bob, cid, dan]);
      const workspaceId = workspace.id;
      const { id: conversationId } = await ada.api.conversation.open({
        workspaceId,
        userIds: [bob.id, cid.id, dan.id],
      });

      await exerciseUnreadCounts(
        { ada, bob, cid, dan },
        {
          send: (user, body) =>
            user.api.message.send({ conversationId, body, clientMessageId: randomUUID() }),
          markRead: (user, sequence) => user.api.message.markRead({ conversationId, sequence }),
          async state(user) {
            const conversation = (await user.api.conversation.list({ workspaceId })).find(
              (c) => c.id === conversationId,
            );
            if (!conversation) throw new Error(`${user.name} does not see the conversation`);
            return conversation;
          },
        },
      );
    });
  });
});
