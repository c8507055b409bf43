import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelMembers, channels, conversations, messageEvents, messages } from "@/db/schema";
import type { Target } from "@/lib/target";
import { drivers, testDatabase } from "@/testing/db";
import {
  insertChannel,
  insertConversation,
  insertUser,
  insertWorkspace,
} from "@/testing/factories";
import { sendMessage, sendMessages } from "./send";

/** Runs `count` sends over `connections` concurrent workers, each sending one after another. */
async function sendConcurrently(
  run: (index: number) => Promise<unknown>,
  count: number,
  connections: number,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) await run(next++);
    }),
  );
  return performance.now() - started;
}

describe.each(drivers)("the send path through the %s driver", (driver) => {
  const { db } = testDatabase(driver);
  let author: { id: string; name: string };
  let other: { id: string; name: string };
  let workspaceId: string;
  const failingBody = `fail-after-counter-${randomUUID()}`;

  beforeAll(async () => {
    author = await insertUser(db, "Ada");
    other = await insertUser(db, "Grace");
    workspaceId = (await insertWorkspace(db, author.id)).id;
    // Fails the insert, i.e. after the counter was bumped in the same transaction.
    await db.execute(
      sql.raw(`
      CREATE OR REPLACE FUNCTION test_fail_${driver}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.body = '${failingBody}' THEN RAISE EXCEPTION 'injected failure'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_fail_${driver} BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_fail_${driver}();`),
    );
  });

  afterAll(async () => {
    await db.execute(
      sql.raw(`DROP TRIGGER test_fail_${driver} ON messages; DROP FUNCTION test_fail_${driver}();`),
    );
  });

  const sequencesOf = async (target: Target) => {
    const column = target.kind === "channel" ? messages.channelId : messages.conversationId;
    const rows = await db
      .select({ sequence: messages.sequence })
      .from(messages)
      .where(eq(column, target.id));
    return rows.map((row) => row.sequence).sort((a, b) => a - b);
  };
  const revisionsOf = async (target: Target) => {
    const column =
      target.kind === "channel" ? messageEvents.channelId : messageEvents.conversationId;
    const rows = await db
      .select({ revision: messageEvents.revision })
      .from(messageEvents)
      .where(eq(column, target.id));
    return rows.map((row) => row.revision).sort((a, b) => a - b);
  };
  const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it("gives 500 sends from 50 concurrent connections into one channel exactly 1..500", async () => {
    const channel = await insertChannel(db, workspaceId, [author.id]);
    const target: Target = { kind: "channel", id: channel.id };
    const ms = await sendConcurrently(
      (i) =>
        sendMessage(db, {
          authorId: author.id,
          target,
          body: `message ${i}`,
          clientMessageId: randomUUID(),
        }),
      500,
      50,
    );
    console.log(`[${driver}] 500 sends into one channel over 50 connections: ${ms.toFixed(0)} ms`);
    expect(await sequencesOf(target)).toEqual(oneToN(500));
    expect(await revisionsOf(target)).toEqual(oneToN(500));
    const [row] = await db
      .select({ lastSequence: channels.lastSequence, lastRevision: channels.lastRevision })
      .from(channels)
      .where(eq(channels.id, channel.id));
    expect(row).toEqual({ lastSequence: 500, lastRevision: 500 });
    const [member] = await db
      .select({ lastRead: channelMembers.lastReadSequence })
      .from(channelMembers)
      .where(eq(channelMembers.channelId, channel.id));
    expect(member?.lastRead).toBe(500);
  });

  it("gives 500 sends from 50 concurrent connections into one conversation exactly 1..500", async () => {
    const conversation = await insertConversation(db, workspaceId, [author.id, other.id]);
    const target: Target = { kind: "conversation", id: conversation.id };
    const ms = await sendConcurrently(
      (i) =>
        sendMessage(db, {
          authorId: i % 2 ? author.id : other.id,
          target,
          body: `message ${i}`,
          clientMessageId: randomUUID(),
        }),
      500,
      50,
    );
    console.log(
      `[${driver}] 500 sends into one conversation over 50 connections: ${ms.toFixed(0)} ms`,
    );
    expect(await sequencesOf(target)).toEqual(oneToN(500));
    const [row] = await db
      .select({ lastSequence: conversations.lastSequence })
      .from(conversations)
      .where(eq(conversations.id, conversation.id));
    expect(row?.lastSequence).toBe(500);
  });

  it("numbers each of 20 channels 1..N on its own under concurrent sends", async () => {
    const targets: Target[] = [];
    for (let i = 0; i < 20; i++)
      targets.push({ kind: "channel", id: (await insertChannel(db, workspaceId, [])).id });
    const counts = new Map<string, number>();
    await sendConcurrently(
      async (i) => {
        const target = targets[(i * 7) % targets.length] as Target;
        counts.set(target.id, (counts.get(target.id) ?? 0) + 1);
        await sendMessage(db, {
          authorId: author.id,
          target,
          body: `spread ${i}`,
          clientMessageId: randomUUID(),
        });
      },
      400,
      40,
    );
    for (const target of targets)
      expect(await sequencesOf(target)).toEqual(oneToN(counts.get(target.id) ?? 0));
  });

  it("leaves no gap when the transaction fails after the counter was bumped", async () => {
    const channel = await insertChannel(db, workspaceId, [author.id]);
    const target: Target = { kind: "channel", id: channel.id };
    const first = await sendMessage(db, {
      authorId: author.id,
      target,
      body: "one",
      clientMessageId: randomUUID(),
    });
    await expect(
      sendMessage(db, {
        authorId: author.id,
        target,
        body: failingBody,
        clientMessageId: randomUUID(),
      }),
    ).rejects.toThrow();
    const next = await sendMessage(db, {
      authorId: author.id,
      target,
      body: "two",
      clientMessageId: randomUUID(),
    });
    expect(first.message.sequence).toBe(1);
    expect(next.message.sequence).toBe(2);
    expect(next.message.revision).toBe(2);
    expect(await sequencesOf(target)).toEqual([1, 2]);
  });

  it("stores one row for the same clientMessageId sent 20 times concurrently, and returns it to all", async () => {
    const channel = await insertChannel(db, workspaceId, [author.id, other.id]);
    const target: Target = { kind: "channel", id: channel.id };
    const clientMessageId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        sendMessage(db, { authorId: author.id, target, body: "once", clientMessageId }),
      ),
    );
    expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.message.sequence))).toEqual(new Set([1]));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await sequencesOf(target)).toEqual([1]);

    const later = await sendMessage(db, {
      authorId: author.id,
      target,
      body: "changed",
      clientMessageId,
    });
    expect(later).toMatchObject({
      created: false,
      message: { id: results[0]?.message.id, body: "once" },
    });

    const fromOther = await sendMessage(db, {
      authorId: other.id,
      target,
      body: "mine",
      clientMessageId,
    });
    expect(fromOther.created).toBe(true);
    expect(fromOther.message.id).not.toBe(results[0]?.message.id);
    expect(await sequencesOf(target)).toEqual([1, 2]);
  });

  it("stores a batch across targets with duplicates inside it and already stored ones", async () => {
    const a: Target = {
      kind: "channel",
      id: (await insertChannel(db, workspaceId, [author.id])).id,
    };
    const b: Target = {
      kind: "conversation",
      id: (await insertConversation(db, workspaceId, [author.id])).id,
    };
    const stored = await sendMessage(db, {
      authorId: author.id,
      target: a,
      body: "before",
      clientMessageId: randomUUID(),
    });
    const repeated = randomUUID();
    const results = await sendMessages(db, [
      { authorId: author.id, target: a, body: "a1", clientMessageId: randomUUID() },
      { authorId: author.id, target: b, body: "b1", clientMessageId: repeated },
      {
        authorId: author.id,
        target: a,
        body: "again",
        clientMessageId: stored.message.clientMessageId,
      },
      { authorId: author.id, target: b, body: "b1 twice", clientMessageId: repeated },
      { authorId: author.id, target: a, body: "a2", clientMessageId: randomUUID() },
    ]);
    expect(
      results.map((r) => (r.ok ? [r.message.body, r.message.sequence, r.created] : r.error.code)),
    ).toEqual([
      ["a1", 2, true],
      ["b1", 1, true],
      ["before", 1, false],
      ["b1", 1, false],
      ["a2", 3, true],
    ]);
    expect(await sequencesOf(a)).toEqual([1, 2, 3]);
    expect(await sequencesOf(b)).toEqual([1]);
  });

  it("refuses a clientMessageId reused for another target, without storing anything", async () => {
    const a: Target = {
      kind: "channel",
      id: (await insertChannel(db, workspaceId, [author.id])).id,
    };
    const b: Target = {
      kind: "channel",
      id: (await insertChannel(db, workspaceId, [author.id])).id,
    };
    const clientMessageId = randomUUID();
    await sendMessage(db, { authorId: author.id, target: a, body: "first", clientMessageId });
    await expect(
      sendMessage(db, { authorId: author.id, target: b, body: "elsewhere", clientMessageId }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await sequencesOf(b)).toEqual([]);
  });

  it("refuses new messages in an archived channel and changes nothing", async () => {
    const channel = await insertChannel(db, workspaceId, [author.id]);
    await db.update(channels).set({ archivedAt: new Date() }).where(eq(channels.id, channel.id));
    await expect(
      sendMessage(db, {
        authorId: author.id,
        target: { kind: "channel", id: channel.id },
        body: "late",
        clientMessageId: randomUUID(),
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await sequencesOf({ kind: "channel", id: channel.id })).toEqual([]);
  });

  it("records mentions of existing users only", async () => {
    const channel = await insertChannel(db, workspaceId, [author.id, other.id]);
    const { message } = await sendMessage(db, {
      authorId: author.id,
      target: { kind: "channel", id: channel.id },
      body: `hi <@${other.id}> and <@${randomUUID()}>`,
      clientMessageId: randomUUID(),
    });
    const rows = await db.execute<{ user_id: string }>(
      sql`select user_id from mentions where message_id = ${message.id}`,
    );
    expect(rows.rows.map((r) => r.user_id)).toEqual([other.id]);
  });
});

describe("the database's own guarantees", () => {
  const { db } = testDatabase("pg", 4);

  it("rejects a message with both targets or neither, and a duplicate (channel_id, sequence)", async () => {
    const user = await insertUser(db);
    const workspace = await insertWorkspace(db, user.id);
    const channel = await insertChannel(db, workspace.id, [user.id]);
    const conversation = await insertConversation(db, workspace.id, [user.id]);
    const row = { sequence: 1, revision: 1, authorId: user.id, body: "x" };
    await expect(
      db.insert(messages).values({
        ...row,
        channelId: channel.id,
        conversationId: conversation.id,
        clientMessageId: randomUUID(),
      }),
    ).rejects.toMatchObject({ cause: { code: "23514", constraint: "messages_one_target_ck" } });
    await expect(
      db.insert(messages).values({ ...row, clientMessageId: randomUUID() }),
    ).rejects.toMatchObject({
      cause: { code: "23514", constraint: "messages_one_target_ck" },
    });
    await db
      .insert(messages)
      .values({ ...row, channelId: channel.id, clientMessageId: randomUUID() });
    await expect(
      db.insert(messages).values({ ...row, channelId: channel.id, clientMessageId: randomUUID() }),
    ).rejects.toMatchObject({
      cause: { code: "23505", constraint: "messages_channel_sequence_uq" },
    });
    await db
      .insert(messages)
      .values({ ...row, conversationId: conversation.id, clientMessageId: randomUUID() });
    await expect(
      db
        .insert(messages)
        .values({ ...row, conversationId: conversation.id, clientMessageId: randomUUID() }),
    ).rejects.toMatchObject({
      cause: { code: "23505", constraint: "messages_conversation_sequence_uq" },
    });
  });
});
