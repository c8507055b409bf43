/**
 * Scenario 3, fan-out: N streams on one channel, messages sent at a steady
 * rate; every subscriber must get every message exactly once. Each run
 * starts a fresh server, so memory per stream is the growth from opening
 * the streams (after a GC) and not hidden by memory the process kept from
 * earlier runs; CPU is the server process's user + system time over the send
 * phase divided by the deliveries.
 *
 * With `--instances N` each size runs on three layouts side by side, run
 * after run — one instance, one instance with Redis, N instances with Redis
 * — all behind the loopback balancer, so streams spread over the instances
 * and sends alternate between them; CPU and memory are summed over the app
 * processes, and redis-server's CPU is read beside them: what fanning out
 * through Redis costs per event.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { sleep } from "@/lib/process";
import {
  type BenchContext,
  comparedLayouts,
  type Deployment,
  type Layout,
  layoutKey,
  layoutLabel,
  now,
  singleServer,
  waitUntil,
} from "../lib/context";
import { closeAll, Follower, onEventPath, openAll } from "../lib/follower";
import { HttpClient } from "../lib/http";
import { threadCpuMicros } from "../lib/proc";
import { cpuReader, diagnostics } from "../lib/server";
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
  /** CPU of every app process over the send phase, per message sent, µs. */
  cpuMicrosPerMessage: number;
  /**
   * redis-server's CPU over the send phase per message sent, µs, less what
   * it spends idle (its timers, measured beside the app's idle CPU), which at
   * a few messages a second would outweigh the messages (with Redis only).
   */
  redisCpuMicrosPerMessage: number | undefined;
  /** redis-server's CPU while the streams were open and nothing was sent, µs per second. */
  redisIdleMicrosPerSecond: number | undefined;
  /** Streams each instance took (by the balancer's count), and the instance each sender was on. */
  streamsPerInstance: number[];
  senderInstances: number[];
}

/** CPU time so far of every app process of a deployment, µs (to the nanosecond in comparisons). */
function appCpuMicros(deployment: Deployment) {
  const read = cpuReader(deployment.balancer !== undefined);
  return deployment.instances.reduce(
    (sum, instance) => sum + (read(instance.pid) ?? Number.NaN),
    0,
  );
}

const redisCpuMicros = (deployment: Deployment) => {
  const pid = deployment.redis?.pid;
  return pid === undefined ? undefined : (threadCpuMicros(pid) ?? Number.NaN);
};

/** Memory of every app process after a GC, summed (each read directly, not through the balancer). */
async function memory(deployment: Deployment) {
  let rss = 0;
  let heapUsed = 0;
  for (const instance of deployment.instances) {
    const info = await diagnostics(instance.client);
    rss += info.rss;
    heapUsed += info.heapUsed;
  }
  return { rss, heapUsed };
}

/** Connections the balancer has handed to each instance so far. */
const handedOut = (deployment: Deployment) =>
  deployment.instances.map(
    (instance) => deployment.balancer?.connections.get(instance.server.port) ?? 0,
  );

/**
 * The clients sends go out on: the deployment's own, or behind a balancer
 * one per instance, each a single keep-alive connection opened right after
 * the previous one, so the balancer's turns put each on another instance
 * (and a sender's idle socket, which the server closes after 5 s, is never
 * reused across phases). Says which instance each landed on.
 */
async function pinnedSenders(deployment: Deployment) {
  if (!deployment.balancer) return { senders: [deployment.client], on: [0] };
  const senders: HttpClient[] = [];
  const on: number[] = [];
  for (let i = 0; i < deployment.instances.length; i++) {
    const before = handedOut(deployment);
    const sender = new HttpClient(deployment.url, 1);
    const reply = await sender.request("GET", "/api/ready");
    if (reply.status !== 200) throw new Error(`/api/ready answered ${reply.status}`);
    senders.push(sender);
    on.push(handedOut(deployment).findIndex((count, k) => count > (before[k] ?? 0)));
  }
  return { senders, on };
}

/** Messages per second: 10, or 2 for 5,000 streams (4/s would ask more than one core can deliver). */
export const fanoutRate = (size: number) => (size > 1000 ? 2 : 10);

async function fanoutRun(
  ctx: BenchContext,
  size: number,
  tag: string,
  layout: Layout = singleServer,
): Promise<FanoutRun> {
  const { fixture, options } = ctx;
  const deployment = await ctx.restartApp(
    `fan-out to ${size}${layout === singleServer ? "" : `, ${layoutLabel(layout)}`}`,
    layout,
  );
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
      baseUrl: deployment.url,
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
  const warmSenders = await pinnedSenders(deployment);
  for (let k = 0; k < 30; k++) {
    await (warmSenders.senders[k % warmSenders.senders.length] as HttpClient).mutate(
      "message.send",
      { channelId: fixture.fanoutChannelId, body: `warm-up ${k}`, clientMessageId: randomUUID() },
      sender,
    );
  }
  await sleep(300);
  closeAll(warm);
  if (deployment.balancer) for (const sender of warmSenders.senders) sender.close();
  await sleep(500);

  const before = await memory(deployment);
  const followers = Array.from({ length: size }, (_, i) => makeFollower(i));
  const connectionsBefore = handedOut(deployment);
  const openStart = now();
  await openAll(followers, { parallel: 100, timeoutMs: 120_000 });
  const openSeconds = (now() - openStart) / 1000;
  const streamsPerInstance = deployment.balancer
    ? handedOut(deployment).map((count, k) => count - (connectionsBefore[k] ?? 0))
    : [size];
  const opened = followers.filter((f) => f.synced).length;
  const openFailures = followers.filter((f) => !f.synced);
  if (openFailures.length > 0) {
    ctx.recorder.anomaly(
      `fan-out ${size}: ${openFailures.length} stream(s) did not open; e.g. ${openFailures[0]?.failure ?? "timed out"}`,
    );
  }
  await sleep(500);
  const after = await memory(deployment);

  const idleStart = appCpuMicros(deployment);
  const redisIdleStart = redisCpuMicros(deployment);
  const idleClock = now();
  await sleep(2000);
  const idleMs = now() - idleClock;
  const idleCpuMicrosPerSecond = ((appCpuMicros(deployment) - idleStart) / idleMs) * 1000;
  const redisIdleMicrosPerSecond =
    redisIdleStart === undefined
      ? undefined
      : (((redisCpuMicros(deployment) ?? Number.NaN) - redisIdleStart) / idleMs) * 1000;

  const { senders, on: senderInstances } = await pinnedSenders(deployment);
  const cpuStart = appCpuMicros(deployment);
  const redisStart = redisCpuMicros(deployment);
  const clientCpu = process.cpuUsage();
  const sendStart = now();
  let sendErrors = 0;
  const sends: Promise<void>[] = [];
  for (let k = 0; k < count; k++) {
    const due = sendStart + (k * 1000) / rate;
    while (now() < due) await sleep(Math.max(0, Math.min(5, due - now())));
    sends.push(
      (senders[k % senders.length] as HttpClient)
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
  const cpu = appCpuMicros(deployment) - cpuStart;
  const redisCpu =
    redisStart === undefined
      ? undefined
      : (redisCpuMicros(deployment) ?? Number.NaN) -
        redisStart -
        (redisIdleMicrosPerSecond ?? 0) * deliverySeconds;
  const clientUsage = process.cpuUsage(clientCpu);
  if (deployment.balancer) for (const sender of senders) sender.close();

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
    cpuMicrosPerMessage: cpu / (count - sendErrors),
    redisCpuMicrosPerMessage: redisCpu === undefined ? undefined : redisCpu / (count - sendErrors),
    redisIdleMicrosPerSecond,
    streamsPerInstance,
    senderInstances,
  };
}

export async function fanoutScenario(ctx: BenchContext) {
  const { options, recorder, log } = ctx;
  if (options.instances > 1) return fanoutComparison(ctx);
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

/** Each size on every compared layout, the layouts taking turns run by run so drift hits all alike. */
async function fanoutComparison(ctx: BenchContext) {
  const { options, recorder, log } = ctx;
  const layouts = comparedLayouts(options.instances);
  const [single, , several] = layouts as [Layout, Layout, Layout];
  for (const size of options.fanoutSizes) {
    const runs = new Map<Layout, FanoutRun[]>(layouts.map((layout) => [layout, []]));
    for (let run = 1; run <= options.runs; run++) {
      for (const layout of layouts) {
        const tag = `${size}r${run}i${layoutKey(layout)}${randomUUID().slice(0, 4)}`;
        const result = await fanoutRun(ctx, size, tag, layout);
        runs.get(layout)?.push(result);
        const redis = result.redisCpuMicrosPerMessage;
        log(
          `fan-out to ${size.toLocaleString("en-US")} streams, ${layoutLabel(layout)} · run ${run}/${options.runs}: ` +
            `streams per instance ${result.streamsPerInstance.join("/")}, senders on instance ${result.senderInstances.map((i) => i + 1).join(", ")} · ` +
            `${result.sent} msgs → ${result.deliveries.toLocaleString("en-US")} deliveries, p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, ` +
            `lost ${result.lost}, doubled ${result.doubled}${result.outOfOrder ? `, out of order ${result.outOfOrder}` : ""} · ` +
            `app ${result.cpuMicrosPerDelivery.toFixed(1)} µs CPU/delivery, ${(result.cpuMicrosPerMessage / 1000).toFixed(2)} ms CPU/message` +
            `${redis === undefined ? "" : `, redis-server ${redis.toFixed(0)} µs CPU/message beyond idle`} (bench client and balancer ${result.clientCpuMicrosPerDelivery.toFixed(1)} µs/delivery)`,
        );
        const apart = new Set(result.senderInstances).size === result.senderInstances.length;
        if (!apart || result.senderInstances.includes(-1)) {
          recorder.anomaly(
            `fan-out ${size}, ${layoutLabel(layout)}: senders were not one per instance (${result.senderInstances.join(", ")})`,
          );
        }
      }
    }
    await ctx.stopApp();
    recorder.raw("fanout.instances", {
      size,
      layouts: layouts.map((layout) => ({ layout, runs: runs.get(layout) })),
    });
    const label = `fan-out to ${size.toLocaleString("en-US")} streams`;
    for (const layout of layouts) {
      const done = runs.get(layout) ?? [];
      const id = `fanout.instances.${size}.${layoutKey(layout)}`;
      const named = `${label}, ${layoutLabel(layout)}`;
      recorder.figure({
        id: `${id}.latency.p99`,
        scenario: "fanout",
        label: `${named}: delivery latency p99 (${fanoutRate(size)} msg/s)`,
        unit: "ms",
        runs: done.map((r) => r.latency.p99),
        detail: `p50 ${median(done.map((r) => r.latency.p50)).toFixed(1)} ms`,
      });
      recorder.figure({
        id: `${id}.lost-doubled`,
        scenario: "fanout",
        label: `${named}: deliveries lost + doubled`,
        unit: "",
        runs: done.map((r) => r.lost + r.doubled + r.outOfOrder),
        value: done.reduce((sum, r) => sum + r.lost + r.doubled + r.outOfOrder, 0),
        detail: `of ${done.reduce((sum, r) => sum + r.deliveries, 0).toLocaleString("en-US")} deliveries in all runs`,
        target: { text: "0", op: "==", value: 0 },
      });
      const redis = done.map((r) => r.redisCpuMicrosPerMessage ?? Number.NaN);
      recorder.figure({
        id: `${id}.cpu`,
        scenario: "fanout",
        label: `${named}: CPU per delivered event, all app processes`,
        unit: "µs",
        runs: done.map((r) => r.cpuMicrosPerDelivery),
        detail:
          `${(median(done.map((r) => r.cpuMicrosPerMessage)) / 1000).toFixed(2)} ms per message sent` +
          `${layout.redis ? `; redis-server ${median(redis).toFixed(0)} µs per message beyond its idle ${(median(done.map((r) => r.redisIdleMicrosPerSecond ?? Number.NaN)) / 1000).toFixed(1)} ms CPU/s` : ""}` +
          `; memory ${median(done.map((r) => Math.max(r.rssPerStreamKB, r.heapPerStreamKB))).toFixed(1)} KB per stream` +
          `; idle ${(median(done.map((r) => r.idleCpuMicrosPerSecond)) / 1000).toFixed(1)} ms CPU/s`,
      });
    }
    const perRun = (layout: Layout, pick: (run: FanoutRun) => number) =>
      (runs.get(layout) ?? []).map(pick);
    const baseline = perRun(single, (r) => r.cpuMicrosPerMessage);
    for (const layout of layouts.slice(1)) {
      recorder.figure({
        id: `fanout.instances.${size}.${layoutKey(layout)}.extra-cpu`,
        scenario: "fanout",
        label: `${label}: app CPU per message sent, ${layoutLabel(layout)} minus 1 instance (per-run differences)`,
        unit: "µs",
        runs: perRun(layout, (r) => r.cpuMicrosPerMessage).map(
          (value, i) => value - (baseline[i] ?? Number.NaN),
        ),
        detail: `as a ratio ${median(perRun(layout, (r) => r.cpuMicrosPerMessage).map((value, i) => value / (baseline[i] ?? Number.NaN))).toFixed(2)} ×; redis-server adds ${median(perRun(layout, (r) => r.redisCpuMicrosPerMessage ?? Number.NaN)).toFixed(0)} µs per message beyond its idle`,
      });
    }
    recorder.figure({
      id: `fanout.instances.${size}.latency-ratio`,
      scenario: "fanout",
      label: `${label}: delivery p99, ${layoutLabel(several)} ÷ 1 instance`,
      unit: "×",
      runs: perRun(several, (r) => r.latency.p99).map(
        (value, i) => value / (perRun(single, (r) => r.latency.p99)[i] ?? Number.NaN),
      ),
    });
  }
}
