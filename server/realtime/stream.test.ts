import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TargetStreamEvent } from "@/server/realtime/events";
import { type Caller, newUser, newWorkspace } from "@/testing/api";
import { collect } from "@/testing/collect";
import { testDatabase } from "@/testing/db";

const { db } = testDatabase("pg", 40);

interface Received {
  id: string;
  event: TargetStreamEvent;
}

/** Follows a stream through a server-side caller, collecting tracked events until stopped. */
async function follow(
  user: { withSignal(signal: AbortSignal): Caller },
  input: Parameters<Caller["message"]["onEvent"]>[0],
) {
  const controller = new AbortController();
  const iterable = await user.withSignal(controller.signal).message.onEvent(input);
  const collector = collect(iterable as AsyncIterable<unknown>, controller, (value) => {
    const [id, event] = value as [string, TargetStreamEvent];
    return { id, event };
  });
  return { ...collector, received: collector.items };
}

const changes = (received: Received[]) =>
  received.filter((r) => r.event.type !== "sync" && r.event.type !== "stream.closed");

describe("message.onEvent", () => {
  it("delivers 1,000 messages from 10 concurrent senders exactly once, in sequence order", async () => {
    const owner = await newUser(db);
    const senders = await Promise.all(Array.from({ length: 10 }, () => newUser(db)));
    const reader = await newUser(db);
    const workspace = await newWorkspace(owner, [...senders, reader]);
    const channelId = workspace.generalChannelId;
    const stream = await follow(reader, { channelId });
    await stream.until((r) => r.some((x) => x.event.type === "sync"));

    await Promise.all(
      senders.map(async (sender, s) => {
        for (let i = 0; i < 100; i++) {
          await sender.api.message.send({
            channelId,
            body: `s${s} m${i}`,
            clientMessageId: randomUUID(),
          });
        }
      }),
    );
    await stream.until((r) => changes(r).length >= 1000);
    await stream.stop();
    const created = changes(stream.received);
    expect(created).toHaveLength(1000);
    const sequences = created.map((r) =>
      r.event.type === "message.created" ? r.event.message.sequence : -1,
    );
    expect(sequences).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(created.map((r) => Number(r.id))).toEqual(sequences);
  });

  it("replays exactly what a disconnected subscriber missed, then goes on live", async () => {
    const alice = await newUser(db);
    const bob = await newUser(db);
    const workspace = await newWorkspace(alice, [bob]);
    const channelId = workspace.generalChannelId;
    const before = await alice.api.message.send({
      channelId,
      body: "before",
      clientMessageId: randomUUID(),
    });

    const first = await follow(bob, { channelId });
    await first.until((r) => r.some((x) => x.event.type === "sync"));
    await first.stop();
    const lastEventId = first.received.at(-1)?.id as string;
    expect(Number(lastEventId)).toBe(before.revision);

    const sent = [];
    for (let i = 0; i < 500; i++) {
      sent.push(
        await alice.api.message.send({
          channelId,
          body: `missed ${i}`,
          clientMessageId: randomUUID(),
        }),
      );
    }
    for (let i = 0; i < 50; i++)
      await alice.api.message.edit({ messageId: sent[i]?.id as string, body: `edited ${i}` });
    for (let i = 100; i < 120; i++)
      await alice.api.message.delete({ messageId: sent[i]?.id as string });
    for (let i = 200; i < 230; i++)
      await bob.api.message.react({ messageId: sent[i]?.id as string, emoji: "👍" });

    const second = await follow(bob, { channelId, lastEventId });
    await second.until((r) => r.some((x) => x.event.type === "sync"));
    const missed = changes(second.received);
    expect(missed).toHaveLength(600);
    expect(missed.map((r) => Number(r.id))).toEqual(
      Array.from({ length: 600 }, (_, i) => before.revision + 1 + i),
    );
    const kinds = missed.map((r) => r.event.type);
    expect(kinds.filter((k) => k === "message.created")).toHaveLength(500);
    expect(kinds.filter((k) => k === "message.updated")).toHaveLength(50);
    expect(kinds.filter((k) => k === "message.deleted")).toHaveLength(20);
    expect(kinds.filter((k) => k === "reaction.added")).toHaveLength(30);

    const live = await alice.api.message.send({
      channelId,
      body: "live",
      clientMessageId: randomUUID(),
    });
    await second.until((r) => changes(r).length === 601);
    await second.stop();
    const last = changes(second.received).at(-1);
    expect(last?.event.type === "message.created" && last.event.message.id).toBe(live.id);
  });

  it("refuses non-members and ends a removed member's stream with a reason", async () => {
    const owner = await newUser(db);
    const member = await newUser(db);
    const outsider = await newUser(db);
    const workspace = await newWorkspace(owner, [member]);
    await newWorkspace(outsider);
    const { id: channelId } = await owner.api.channel.create({
      workspaceId: workspace.id,
      name: `private-${randomUUID().slice(0, 8)}`,
      isPrivate: true,
    });
    await owner.api.channel.addMember({ channelId, userId: member.id });
    await expect(follow(outsider, { channelId })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const stream = await follow(member, { channelId });
    await stream.until((r) => r.some((x) => x.event.type === "sync"));
    const removedAt = Date.now();
    await owner.api.channel.removeMember({ channelId, userId: member.id });
    await stream.done;
    expect(Date.now() - removedAt).toBeLessThan(1000);
    expect(stream.received.at(-1)?.event).toEqual({
      type: "stream.closed",
      // Told who removed them, from where.
      reason: `${owner.name} removed you from #${(await owner.api.channel.get({ channelId })).name}.`,
      lost: "place",
    });
  });
});
