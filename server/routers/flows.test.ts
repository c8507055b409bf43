import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { anonymous, newUser, newWorkspace, withToken } from "@/server/testing/api";
import { testDatabase } from "@/server/testing/db";

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
});
