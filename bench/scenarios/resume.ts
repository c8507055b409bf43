/**
 * Scenario 4, resume storm: N subscribers are attached, all drop, M messages
 * are sent, and all reconnect at the same moment with their Last-Event-ID.
 * Measured: time until every one of them has received all M (and its sync),
 * and whether any message was lost or delivered twice.
 */
import { randomUUID } from "node:crypto";
import { sleep } from "@/lib/process";
import { type BenchContext, now, waitUntil } from "../lib/context";
import { closeAll, Follower, onEventPath, openAll } from "../lib/follower";
import { dataOf } from "../lib/http";
import { median, percentile, sortNumbers } from "../lib/stats";

interface StormRun {
  subscribers: number;
  messages: number;
  allCaughtUpSeconds: number;
  medianCaughtUpSeconds: number;
  p99CaughtUpSeconds: number;
  caughtUp: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
  failures: number;
}

async function stormRun(ctx: BenchContext): Promise<StormRun> {
  const { fixture, options } = ctx;
  const { server, client } = ctx.app();
  const size = options.stormSubscribers;
  const total = options.stormMessages;
  const index = new Map<number, number>(); // position → message number
  const received: Uint8Array[] = Array.from({ length: size }, () => new Uint8Array(total));
  const got = new Int32Array(size);
  const doneAt = new Float64Array(size);
  const slot = new Map<Follower, number>();
  let resumeStart = 0;
  const followers = Array.from({ length: size }, (_, i) => {
    const follower = new Follower({
      baseUrl: server.url,
      path: onEventPath(fixture.stormChannelId),
      token: fixture.subscribers[i % fixture.subscribers.length]?.token as string,
      encoding: options.sseEncoding,
      onMessage: (self, position) => {
        const k = index.get(position);
        const n = slot.get(self) as number;
        const counts = received[n];
        if (k === undefined || !counts) return;
        counts[k] = (counts[k] ?? 0) + 1;
        if (counts[k] !== 1) return;
        const count = (got[n] ?? 0) + 1;
        got[n] = count;
        if (count === total) doneAt[n] = now() - resumeStart;
      },
    });
    slot.set(follower, i);
    return follower;
  });

  await openAll(followers, { parallel: 100, timeoutMs: 60_000 });
  const attached = followers.filter((f) => f.synced).length;
  closeAll(followers);
  await sleep(500);

  // The missed messages, from several members at once.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      const token = fixture.subscribers[worker % fixture.subscribers.length]?.token;
      for (let k = next++; k < total; k = next++) {
        const message = dataOf<{ revision: number }>(
          await client.mutate(
            "message.send",
            {
              channelId: fixture.stormChannelId,
              body: `storm message ${k}`,
              clientMessageId: randomUUID(),
            },
            token,
          ),
        );
        index.set(message.revision, k);
      }
    }),
  );

  resumeStart = now();
  await openAll(followers, { parallel: size, resume: true, timeoutMs: 60_000 });
  await waitUntil(
    () => followers.every((f, i) => (got[i] === total && f.synced) || f.failure !== undefined),
    60_000,
  );
  const allDone = (now() - resumeStart) / 1000;
  await sleep(300); // doubles, if any, arrive right behind
  closeAll(followers);

  let lost = 0;
  let doubled = 0;
  received.forEach((counts) => {
    for (const value of counts) {
      if (value === 0) lost++;
      else if (value > 1) doubled += value - 1;
    }
  });
  const times = sortNumbers(Array.from(doneAt).filter((t) => t > 0));
  const failures = followers.filter((f) => f.failure !== undefined);
  if (failures.length > 0 || attached < size) {
    ctx.recorder.anomaly(
      `resume storm: ${size - attached} subscriber(s) did not attach, ${failures.length} failed on resume; e.g. ${failures[0]?.failure}`,
    );
  }
  return {
    subscribers: size,
    messages: total,
    allCaughtUpSeconds: times.length === size ? allDone : Number.NaN,
    medianCaughtUpSeconds: percentile(times, 50) / 1000,
    p99CaughtUpSeconds: percentile(times, 99) / 1000,
    caughtUp: times.length,
    lost,
    doubled,
    outOfOrder: followers.reduce((sum, f) => sum + f.outOfOrder, 0),
    failures: failures.length,
  };
}

export async function resumeScenario(ctx: BenchContext) {
  const { options, recorder, log } = ctx;
  await ctx.restartApp("resume storm");
  const runs: StormRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const result = await stormRun(ctx);
    runs.push(result);
    log(
      `resume storm, ${result.subscribers.toLocaleString("en-US")} subscribers × ${result.messages} missed messages · run ${run}/${options.runs}: ` +
        `${result.caughtUp} caught up, all in ${result.allCaughtUpSeconds.toFixed(2)} s (median ${result.medianCaughtUpSeconds.toFixed(2)} s), ` +
        `lost ${result.lost}, doubled ${result.doubled}${result.outOfOrder ? `, out of order ${result.outOfOrder}` : ""}`,
    );
  }
  recorder.raw("resume", runs);
  const label = `resume storm: ${options.stormSubscribers.toLocaleString("en-US")} subscribers reconnect after ${options.stormMessages} missed messages`;
  recorder.figure({
    id: "resume.caught-up",
    scenario: "resume",
    label: `${label}: all caught up`,
    unit: "s",
    runs: runs.map((r) => r.allCaughtUpSeconds),
    detail: `median subscriber ${median(runs.map((r) => r.medianCaughtUpSeconds)).toFixed(2)} s`,
    target: { text: "≤ 10 s", op: "<=", value: 10 },
  });
  recorder.figure({
    id: "resume.lost-doubled",
    scenario: "resume",
    label: `${label}: lost + doubled`,
    unit: "",
    runs: runs.map((r) => r.lost + r.doubled + r.outOfOrder),
    value: runs.reduce((sum, r) => sum + r.lost + r.doubled + r.outOfOrder, 0),
    detail: `lost ${runs.reduce((s, r) => s + r.lost, 0)}, doubled ${runs.reduce((s, r) => s + r.doubled, 0)}, out of order ${runs.reduce((s, r) => s + r.outOfOrder, 0)}, in all runs`,
    target: { text: "0", op: "==", value: 0 },
  });
}
