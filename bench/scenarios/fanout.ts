/**
 * Scenario 3, fan-out: N streams on one channel, messages sent at a steady
 * rate; every subscriber must get every message exactly once. Each run
 * starts a fresh server, so memory per stream is the growth from opening
 * the streams (after a GC) and not hidden by memory the process kept from
 * earlier runs; CPU is the server process's user + system time over the send
 * phase divided by the deliveries.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { sleep } from "@/lib/process";
import { type BenchContext, now, waitUntil } from "../lib/context";
import { closeAll, Follower, onEventPath, openAll } from "../lib/follower";
import { diagnostics, processCpuMicros } from "../lib/server";
import { latencies, median } from "../lib/stats";

const wallClock = () => performance.timeOrigin + performance.now();

interface FanoutRun {
  size: number;
  opened: number;
  openFailures: number;
  openSeconds: number;
  rssPerStreamKB: number;
  heapPerStreamKB: number;
  idleCpuMicrosPerSecond: number;
  sent: number;
  sendErrors: number;
  deliveries: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
  latency: ReturnType<typeof latencies>;
  cpuMicrosPerDelivery: number;
  /** The benchmark process's own CPU per delivery (parsing the streams, sending). */
  clientCpuMicrosPerDelivery: number;
  deliverySeconds: number;
}

/** Messages per second: 10, or 2 for 5,000 streams (4/s would ask more than one core can deliver). */
export const fanoutRate = (size: number) => (size > 1000 ? 2 : 10);

async function fanoutRun(ctx: BenchContext, size: number, tag: string): Promise<FanoutRun> {
  const { fixture, options } = ctx;
  const { server, client } = await ctx.restartApp(`fan-out to ${size}`);
  const path = onEventPath(fixture.fanoutChannelId);
  const sender = fixture.senders[0]?.token;
  const rate = fanoutRate(size);
  const count = Math.max(1, Math.round(rate * options.fanoutSeconds));
  const marker = `"body":"fanout ${tag} `;

  const received: Uint8Array[] = [];
  const samples: number[] = [];
  let deliveries = 0;
  const indexOf = new Map<Follower, number>();
  const onMessage = (follower: Follower, _position: number, data: string) => {
    const at = data.indexOf(marker);
    if (at < 0) return;
    const text = data.slice(at + marker.length, data.indexOf('"', at + marker.length));
    const [k, t] = text.split(" ").map((part) => Number(part.slice(2))) as [number, number];
    const counts = received[indexOf.get(follower) as number];
    if (!counts || !(k >= 0 && k < count)) return;
    counts[k] = (counts[k] ?? 0) + 1;
    deliveries++;
    samples.push(wallClock() - t);
  };
  const follower = (i: number, handler: typeof onMessage) =>
    new Follower({
      baseUrl: server.url,
      path,
      token: fixture.subscribers[i % fixture.subscribers.length]?.token as string,
      encoding: options.sseEncoding,
      onMessage: handler,
    });
  const makeFollower = (i: number) => {
    const made = follower(i, onMessage);
    indexOf.set(made, i);
    received[i] = new Uint8Array(count);
    return made;
  };

  // Warm the code paths (opening streams, sending, delivering) before the
  // baseline, so the measured phase does not pay for a fresh process's JIT.
  const warm = Array.from({ length: 20 }, (_, i) => follower(i, () => {}));
  await openAll(warm, { parallel: 20, timeoutMs: 10_000 });
  for (let k = 0; k < 30; k++) {
    await client.mutate(
      "message.send",
      { channelId: fixture.fanoutChannelId, body: `warm-up ${k}`, clientMessageId: randomUUID() },
      sender,
    );
  }
  await sleep(300);
  closeAll(warm);
  await sleep(500);

  const before = await diagnostics(client);
  const followers = Array.from({ length: size }, (_, i) => makeFollower(i));
  const openStart = now();
  await openAll(followers, { parallel: 100, timeoutMs: 120_000 });
  const openSeconds = (now() - openStart) / 1000;
  const opened = followers.filter((f) => f.synced).length;
  const openFailures = followers.filter((f) => !f.synced);
  if (openFailures.length > 0) {
    ctx.recorder.anomaly(
      `fan-out ${size}: ${openFailures.length} stream(s) did not open; e.g. ${openFailures[0]?.failure ?? "timed out"}`,
    );
  }
  await sleep(500);
  const after = await diagnostics(client);

  const idleStart = processCpuMicros(after.pid) ?? Number.NaN;
  const idleClock = now();
  await sleep(2000);
  const idleCpuMicrosPerSecond =
    (((processCpuMicros(after.pid) ?? Number.NaN) - idleStart) / (now() - idleClock)) * 1000;

  const cpuStart = processCpuMicros(after.pid) ?? Number.NaN;
  const clientCpu = process.cpuUsage();
  const sendStart = now();
  let sendErrors = 0;
  const sends: Promise<void>[] = [];
  for (let k = 0; k < count; k++) {
    const due = sendStart + (k * 1000) / rate;
    while (now() < due) await sleep(Math.max(0, Math.min(5, due - now())));
    sends.push(
      client
        .mutate(
          "message.send",
          {
            channelId: fixture.fanoutChannelId,
            body: `fanout ${tag} k=${k} t=${wallClock().toFixed(3)}`,
            clientMessageId: randomUUID(),
          },
          sender,
        )
        .then(
          (reply) => {
            if (reply.status !== 200) sendErrors++;
          },
          () => {
            sendErrors++;
          },
        ),
    );
  }
  await Promise.all(sends);
  const expected = opened * (count - sendErrors);
  await waitUntil(() => deliveries >= expected, 20_000);
  await sleep(200); // doubles, if any, arrive right behind
  const deliverySeconds = (now() - sendStart) / 1000;
  const cpu = (processCpuMicros(after.pid) ?? Number.NaN) - cpuStart;
  const clientUsage = process.cpuUsage(clientCpu);

  let lost = 0;
  let doubled = 0;
  followers.forEach((follower, i) => {
    if (!follower.synced) return;
    const counts = received[i] as Uint8Array;
    for (const value of counts) {
      if (value === 0) lost++;
      else if (value > 1) doubled += value - 1;
    }
  });
  // Sends that failed were never stored: not expected by anyone.
  lost -= opened * sendErrors;
  const outOfOrder = followers.reduce((sum, f) => sum + f.outOfOrder, 0);
  closeAll(followers);
  if (sendErrors > 0) ctx.recorder.anomaly(`fan-out ${size}: ${sendErrors} sends failed`);

  return {
    size,
    opened,
    openFailures: openFailures.length,
    openSeconds,
    rssPerStreamKB: (after.rss - before.rss) / size / 1024,
    heapPerStreamKB: (after.heapUsed - before.heapUsed) / size / 1024,
    idleCpuMicrosPerSecond,
    sent: count - sendErrors,
    sendErrors,
    deliveries,
    lost,
    doubled,
    outOfOrder,
    latency: latencies(samples),
    cpuMicrosPerDelivery: cpu / deliveries,
    clientCpuMicrosPerDelivery: (clientUsage.user + clientUsage.system) / deliveries,
    deliverySeconds,
  };
}

export async function fanoutScenario(ctx: BenchContext) {
  const { options, recorder, log } = ctx;
  for (const size of options.fanoutSizes) {
    const runs: FanoutRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const result = await fanoutRun(ctx, size, `${size}r${run}${randomUUID().slice(0, 4)}`);
      runs.push(result);
      log(
        `fan-out to ${size.toLocaleString("en-US")} streams · run ${run}/${options.runs}: opened ${result.opened} in ${result.openSeconds.toFixed(1)} s · ` +
          `${result.sent} msgs at ${fanoutRate(size)}/s → ${result.deliveries.toLocaleString("en-US")} deliveries, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, ` +
          `lost ${result.lost}, doubled ${result.doubled}${result.outOfOrder ? `, out of order ${result.outOfOrder}` : ""} · ` +
          `server ${result.cpuMicrosPerDelivery.toFixed(1)} µs CPU/delivery (bench client ${result.clientCpuMicrosPerDelivery.toFixed(1)} µs) · ${result.rssPerStreamKB.toFixed(1)} KB RSS, ${result.heapPerStreamKB.toFixed(1)} KB heap per stream`,
      );
    }
    await ctx.stopApp();
    recorder.raw("fanout", { size, runs });
    const label = `fan-out to ${size.toLocaleString("en-US")} streams`;
    recorder.figure({
      id: `fanout.${size}.latency.p99`,
      scenario: "fanout",
      label: `${label}: delivery latency p99 (${fanoutRate(size)} msg/s)`,
      unit: "ms",
      runs: runs.map((r) => r.latency.p99),
      detail: `p50 ${median(runs.map((r) => r.latency.p50)).toFixed(1)} ms`,
      target: size === 1000 ? { text: "≤ 100 ms", op: "<=", value: 100 } : undefined,
    });
    recorder.figure({
      id: `fanout.${size}.lost-doubled`,
      scenario: "fanout",
      label: `${label}: deliveries lost + doubled`,
      unit: "",
      runs: runs.map((r) => r.lost + r.doubled + r.outOfOrder),
      value: runs.reduce((sum, r) => sum + r.lost + r.doubled + r.outOfOrder, 0),
      detail: `of ${runs.reduce((sum, r) => sum + r.deliveries, 0).toLocaleString("en-US")} deliveries in all runs; lost ${runs.reduce((s, r) => s + r.lost, 0)}, doubled ${runs.reduce((s, r) => s + r.doubled, 0)}, out of order ${runs.reduce((s, r) => s + r.outOfOrder, 0)}`,
      target: { text: "0", op: "==", value: 0 },
    });
    recorder.figure({
      id: `fanout.${size}.cpu`,
      scenario: "fanout",
      label: `${label}: server CPU per delivered event`,
      unit: "µs",
      runs: runs.map((r) => r.cpuMicrosPerDelivery),
      detail: `includes the sends themselves; idle with the streams open: ${(median(runs.map((r) => r.idleCpuMicrosPerSecond)) / 1000).toFixed(1)} ms CPU/s`,
      target: { text: "≤ 100 µs", op: "<=", value: 100 },
    });
    // RSS cannot resolve small growth (the heap may grow into pages the
    // process already holds), so where the heap grew more, that is the figure.
    recorder.figure({
      id: `fanout.${size}.memory`,
      scenario: "fanout",
      label: `${label}: server memory per open stream (RSS growth, or heap growth where larger)`,
      unit: "KB",
      runs: runs.map((r) => Math.max(r.rssPerStreamKB, r.heapPerStreamKB)),
      detail: `RSS ${median(runs.map((r) => r.rssPerStreamKB)).toFixed(1)} KB, heap ${median(runs.map((r) => r.heapPerStreamKB)).toFixed(1)} KB`,
      target: { text: "≤ 40 KB", op: "<=", value: 40 },
    });
    recorder.figure({
      id: `fanout.${size}.open`,
      scenario: "fanout",
      label: `${label}: time to open them (100 connecting at a time)`,
      unit: "s",
      runs: runs.map((r) => r.openSeconds),
    });
  }
}
