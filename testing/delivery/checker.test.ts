/**
 * The checker can fail: fed a deliberately corrupted record — a doubled, a
 * lost and an out-of-order event, a stored message nobody sent, an
 * acknowledgement naming another number, a gap in the numbering — it counts
 * each one, and a faithful record passes.
 */
import { describe, expect, it } from "vitest";
import { check } from "./checker";
import type { StreamEntry } from "./follower";
import type { ChangeRecord, SendRecord, StreamRecord, TargetTruth } from "./model";

const channel = "channel:c1";
const [ada, bob] = ["u-ada", "u-bob"];

const truth = (): TargetTruth => ({
  key: channel,
  lastSequence: 4,
  lastRevision: 5,
  messages: [
    {
      id: "m1",
      sequence: 1,
      revision: 3,
      authorId: ada,
      clientMessageId: "k1",
      body: "one",
      edited: false,
      deleted: false,
    },
    {
      id: "m2",
      sequence: 2,
      revision: 2,
      authorId: ada,
      clientMessageId: "k2",
      body: "two",
      edited: false,
      deleted: false,
    },
    {
      id: "m3",
      sequence: 3,
      revision: 4,
      authorId: bob,
      clientMessageId: "k3",
      body: "three",
      edited: false,
      deleted: false,
    },
    {
      id: "m4",
      sequence: 4,
      revision: 5,
      authorId: bob,
      clientMessageId: "k4",
      body: "four",
      edited: false,
      deleted: false,
    },
  ],
  events: [
    { revision: 1, kind: "message.created", messageId: "m1", actorId: ada, emoji: null },
    { revision: 2, kind: "message.created", messageId: "m2", actorId: ada, emoji: null },
    { revision: 3, kind: "reaction.added", messageId: "m1", actorId: bob, emoji: "👍" },
    { revision: 4, kind: "message.created", messageId: "m3", actorId: bob, emoji: null },
    { revision: 5, kind: "message.created", messageId: "m4", actorId: bob, emoji: null },
  ],
});

const send = (
  authorId: string,
  key: string,
  body: string,
  id: string,
  sequence: number,
  revision: number,
): SendRecord => ({
  authorId,
  targetKey: channel,
  clientMessageId: key,
  body,
  attempts: 1,
  acks: [{ id, sequence, revision, at: 0, via: "send" }],
  abandoned: false,
  gaveUp: false,
});

const sends = (): SendRecord[] => [
  send(ada, "k1", "one", "m1", 1, 1),
  send(ada, "k2", "two", "m2", 2, 2),
  send(bob, "k3", "three", "m3", 3, 4),
  send(bob, "k4", "four", "m4", 4, 5),
];

const changes: ChangeRecord[] = [
  { actorId: bob, kind: "reaction.added", messageId: "m1", emoji: "👍", acknowledged: true },
];

const kindOf = (position: number) => truth().events[position - 1] as TargetTruth["events"][number];

/** A stream receiving `positions` in this order, over two connections. */
function stream(positions: number[]): StreamRecord {
  const entries: StreamEntry[] = [{ kind: "connect", at: 0, url: "a", lastEventId: 0 }];
  positions.forEach((position, index) => {
    if (index === 2) {
      entries.push({ kind: "end", at: 0, reason: "fault" });
      entries.push({ kind: "connect", at: 0, url: "b", lastEventId: positions[1] ?? 0 });
    }
    const event = kindOf(position);
    entries.push({
      kind: "event",
      at: 0,
      id: String(position),
      type: event.kind,
      position,
      messageId: event.messageId,
      emoji: event.emoji,
    });
    if (index === 1 || index === positions.length - 1)
      entries.push({ kind: "sync", at: 0, id: String(position), position, reset: false });
  });
  return { name: "reader", targetKey: channel, from: 0, entries };
}

describe("the delivery checker", () => {
  it("passes a faithful record", () => {
    const report = check({
      truth: [truth()],
      sends: sends(),
      changes,
      streams: [stream([1, 2, 3, 4, 5])],
    });
    expect(report.counts).toEqual({});
    expect(report.ok).toBe(true);
    expect(report.totals).toMatchObject({
      expected: 5,
      delivered: 5,
      lost: 0,
      doubled: 0,
      outOfOrder: 0,
    });
    expect(report.sends).toMatchObject({ logical: 4, acknowledged: 4 });
  });

  it("counts a doubled, a lost and an out-of-order event, a message nobody sent and a wrong acknowledgement", () => {
    const corrupted = sends().filter((record) => record.clientMessageId !== "k4");
    const second = corrupted[1] as SendRecord;
    second.acks.push({ id: "m3", sequence: 3, revision: 4, at: 0, via: "repeat" });
    const report = check({
      truth: [truth()],
      sends: corrupted,
      changes,
      // 2 twice, 3 after 4, and 5 never.
      streams: [stream([1, 2, 2, 4, 3])],
    });
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({
      doubled: 1,
      "out of order": 1,
      lost: 1,
      "stored but never sent": 1,
      "acknowledgement names another message": 1,
    });
    expect(report.totals).toMatchObject({ delivered: 5, lost: 1, doubled: 1, outOfOrder: 1 });
  });

  it("counts gaps in the log, lost acknowledged sends, unrequested changes and lying syncs", () => {
    const log = truth();
    log.messages.splice(1, 1); // #2 is gone: a gap, and an acknowledged send that was not kept
    log.events.push({
      revision: 7,
      kind: "reaction.removed",
      messageId: "m1",
      actorId: ada,
      emoji: "👍",
    });
    log.lastRevision = 7;
    const lying = stream([1]);
    lying.entries.push({ kind: "sync", at: 0, id: "5", position: 5, reset: true });
    const report = check({ truth: [log], sends: sends(), changes, streams: [lying] });
    expect(report.counts).toMatchObject({
      "sequence gap or duplicate": 3,
      "revision gap or duplicate": 2,
      "acknowledged send not stored": 1,
      "change of a message that does not exist": 1,
      "change recorded that was never asked for": 1,
      "message revision differs from its last change": 1,
      "sync claims more than was delivered": 1,
      reset: 1,
    });
    expect(report.totals.lost).toBe(6);
  });
});
