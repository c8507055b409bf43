/**
 * The send queue batches concurrent sends to a busy target into one
 * statement. These tests pin down what batching must never change: a send
 * that fails takes none of its neighbours with it, numbering stays 1..N, and
 * a clientMessageId repeated inside a batch or across two concurrent batches
 * (two app instances) is stored once and answered with the same message.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import type { Target } from "@/lib/target";
import { testDatabase } from "@/testing/db";
import { insertChannel, insertUser, insertWorkspace } from "@/testing/factories";
import type { SendInput, SendResult } from "./send";
import { SendQueue } from "./send-queue";

const { db } = testDatabase("pg", 20);

let author: { id: string };
let workspaceId: string;
beforeAll(async () => {
  author = await insertUser(db, "Ada");
  workspaceId = (await insertWorkspace(db, author.id)).id;
});

async function newChannel(): Promise<Target> {
  return { kind: "channel", id: (await insertChannel(db, workspaceId, [author.id])).id };
}

async function sequencesOf(target: Target) {
  const rows = await db
    .select({ sequence: messages.sequence })
    .from(messages)
    .where(eq(messages.channelId, target.id));
  return rows.map((row) => row.sequence).sort((a, b) => a - b);
}

const send = (target: Target, body: string, extra: Partial<SendInput> = {}): SendInput => ({
  authorId: author.id,
  target,
  body,
  clientMessageId: randomUUID(),
  ...extra,
});

/** Sends one message to occupy the target, then the rest while it is busy: they go as one batch. */
async function batched(queue: SendQueue, target: Target, inputs: SendInput[]) {
  const first = queue.send(send(target, "opens the target"));
  const rest = inputs.map((input) =>
    queue.send(input).then(
      (result) => result,
      (error: Error) => ({ thrown: error.message }) as const,
    ),
  );
  return { first: await first, rest: await Promise.all(rest) };
}

const describeResult = (result: SendResult | { thrown: string }) =>
  "thrown" in result
    ? "thrown"
    : result.ok
      ? `${result.message.body}#${result.message.sequence}${result.created ? "" : " (again)"}`
      : result.error.code;

describe("SendQueue", () => {
  it("retries each send of a failed batch on its own: the good ones are stored at 1..N, the bad one fails alone", async () => {
    const queue = new SendQueue(db);
    const target = await newChannel();
    const { first, rest } = await batched(queue, target, [
      send(target, "a"),
      // No such author: the foreign key fails the whole batch statement.
      send(target, "from nobody", { authorId: randomUUID() }),
      send(target, "b"),
      send(target, "c"),
    ]);
    expect(describeResult(first)).toBe("opens the target#1");
    // Retried one by one, concurrently: each good send gets its own number, in no set order.
    expect(rest.map(describeResult)[1]).toBe("thrown");
    const numbers = rest.flatMap((result) =>
      "thrown" in result || !result.ok ? [] : [result.message.sequence],
    );
    expect(numbers.sort()).toEqual([2, 3, 4]);
    expect(await sequencesOf(target)).toEqual([1, 2, 3, 4]);
  });

  it("stores a clientMessageId repeated inside one batch once, and answers both with it", async () => {
    const queue = new SendQueue(db);
    const target = await newChannel();
    const repeated = randomUUID();
    const { rest } = await batched(queue, target, [
      send(target, "x", { clientMessageId: repeated }),
      send(target, "y"),
      send(target, "x again", { clientMessageId: repeated }),
    ]);
    expect(rest.map(describeResult)).toEqual(["x#2", "y#3", "x#2 (again)"]);
    expect(await sequencesOf(target)).toEqual([1, 2, 3]);
  });

  it("stores a clientMessageId sent through two concurrent batches (two instances) once", async () => {
    const target = await newChannel();
    for (let round = 0; round < 10; round++) {
      const repeated = randomUUID();
      const [one, two] = await Promise.all(
        [new SendQueue(db), new SendQueue(db)].map((queue, instance) =>
          batched(queue, target, [
            send(target, `i${instance} before`),
            send(target, "shared", { clientMessageId: repeated }),
            send(target, `i${instance} after`),
          ]),
        ),
      );
      const shared = [one?.rest[1], two?.rest[1]].map((result) =>
        result && !("thrown" in result) && result.ok ? result : undefined,
      );
      expect(shared[0]?.message.id).toBeDefined();
      expect(shared[0]?.message.id).toBe(shared[1]?.message.id);
      expect(shared.filter((result) => result?.created)).toHaveLength(1);
      for (const result of [...(one?.rest ?? []), ...(two?.rest ?? [])])
        expect(describeResult(result)).not.toBe("thrown");
    }
    // Ten rounds of two openers, four distinct neighbours and one shared message each.
    const stored = await sequencesOf(target);
    expect(stored).toEqual(Array.from({ length: 10 * 7 }, (_, i) => i + 1));
  });
});
