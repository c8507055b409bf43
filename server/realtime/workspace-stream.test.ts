import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { newUser, newWorkspace, type TestUser } from "@/testing/api";
import { collect } from "@/testing/collect";
import { testDatabase } from "@/testing/db";
import type { WorkspaceStreamEvent } from "./workspace-stream";

const { db } = testDatabase("pg", 20);

async function tab(
  user: TestUser,
  input: { workspaceId: string; channelId?: string; lastEventId?: string },
) {
  const controller = new AbortController();
  const iterable = await user.withSignal(controller.signal).workspace.onEvent(input);
  return collect(iterable as AsyncIterable<unknown>, controller, (value) => {
    const [id, event] = value as [string, WorkspaceStreamEvent];
    return { id, event };
  });
}

describe("workspace.onEvent, the tab stream", () => {
  it("starts with the sidebar and keeps counts current as absolute values", async () => {
    const ada = await newUser(db, "Ada");
    const bob = await newUser(db, "Bob");
    const workspace = await newWorkspace(ada, [bob]);
    const { id: random } = await ada.api.channel.create({
      workspaceId: workspace.id,
      name: "random",
      isPrivate: false,
    });
    await bob.api.channel.join({ channelId: random });

    const stream = await tab(bob, {
      workspaceId: workspace.id,
      channelId: workspace.generalChannelId,
    });
    await stream.until((items) => items.some((i) => i.event.type === "sync"));
    const snapshot = stream.items[0]?.event;
    expect(snapshot?.type).toBe("sidebar.snapshot");
    if (snapshot?.type !== "sidebar.snapshot") throw new Error("no snapshot");
    expect(snapshot.channels.map((c) => c.name)).toEqual(["general", "random"]);
    expect(snapshot.online).toContain(bob.id);

    for (let i = 0; i < 3; i++) {
      await ada.api.message.send({
        channelId: random,
        body: `in random ${i}`,
        clientMessageId: randomUUID(),
      });
    }
    const unreadIn = (count: number) => (items: typeof stream.items) =>
      items.some(
        (i) =>
          i.event.type === "sidebar.channel" &&
          i.event.channel.id === random &&
          i.event.channel.unreadCount === count,
      );
    await stream.until(unreadIn(3));

    await bob.api.message.markRead({ channelId: random, sequence: 3 });
    await stream.until(unreadIn(0));

    const live = await ada.api.message.send({
      channelId: workspace.generalChannelId,
      body: "in general",
      clientMessageId: randomUUID(),
    });
    await stream.until((items) =>
      items.some((i) => i.event.type === "message.created" && i.event.message.id === live.id),
    );
    const created = stream.items.find((i) => i.event.type === "message.created");
    expect(Number(created?.id)).toBe(live.revision);
    await stream.stop();
  });

  it("shows typing to members only, and lets it expire", async () => {
    const ada = await newUser(db, "Ada");
    const bob = await newUser(db, "Bob");
    const workspace = await newWorkspace(ada, [bob]);
    const channelId = workspace.generalChannelId;
    const controller = new AbortController();
    const typing = collect(
      (await bob
        .withSignal(controller.signal)
        .channel.onTyping({ channelId })) as AsyncIterable<unknown>,
      controller,
      (value) => value as { type: string; typists?: { userId: string; name: string }[] },
    );
    await typing.until((items) => items.length === 1);
    await ada.api.channel.typing({ channelId });
    await typing.until((items) =>
      items.some((i) => i.typists?.some((t) => t.userId === ada.id && t.name === "Ada")),
    );
    const shownAt = Date.now();
    await typing.until((items) => items.at(-1)?.typists?.length === 0, 8_000);
    expect(Date.now() - shownAt).toBeGreaterThan(4_000);
    await typing.stop();

    const outsider = await newUser(db, "Eve");
    await newWorkspace(outsider);
    await expect(outsider.api.channel.typing({ channelId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(outsider.api.channel.onTyping({ channelId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("ends saying what was lost: the open channel, or the workspace, whichever the tab had open", async () => {
    const ada = await newUser(db, "Ada Owner");
    const bob = await newUser(db, "Bob Member");
    const carol = await newUser(db, "Carol Member");
    const dan = await newUser(db, "Dan Member");
    const workspace = await newWorkspace(ada, [bob, carol, dan], "Harbour Works");
    const { id: secret } = await ada.api.channel.create({
      workspaceId: workspace.id,
      name: `secret-${randomUUID().slice(0, 6)}`,
      isPrivate: true,
    });
    await ada.api.channel.addMember({ channelId: secret, userId: bob.id });
    const closed = (items: { event: WorkspaceStreamEvent }[]) =>
      items.some((i) => i.event.type === "stream.closed");
    const lastEvent = (items: { event: WorkspaceStreamEvent }[]) => items.at(-1)?.event;

    const inSecret = await tab(bob, { workspaceId: workspace.id, channelId: secret });
    await inSecret.until((items) => items.some((i) => i.event.type === "sync"));
    await ada.api.channel.removeMember({ channelId: secret, userId: bob.id });
    await inSecret.until(closed);
    expect(lastEvent(inSecret.items)).toMatchObject({ type: "stream.closed", lost: "place" });

    // With nothing open, and with a channel open (whose own watch may see the removal first).
    for (const [member, input] of [
      [carol, {}],
      [dan, { channelId: workspace.generalChannelId }],
    ] as const) {
      const stream = await tab(member, { workspaceId: workspace.id, ...input });
      await stream.until((items) => items.length > 0);
      await ada.api.workspace.removeMember({ workspaceId: workspace.id, userId: member.id });
      await stream.until(closed);
      expect(lastEvent(stream.items)).toMatchObject({
        type: "stream.closed",
        reason: `${ada.name} removed you from the workspace Harbour Works.`,
        lost: "workspace",
      });
    }
  });
});
