/**
 * Scenarios 1 and 2: sends through the whole path (HTTP → tRPC → token and
 * membership middleware → transaction → commit → response) at 1..64
 * concurrent senders, into one hot channel and spread over 1,000 channels,
 * each run followed by pgbench replaying the same transaction at the same
 * concurrency (interleaved, so drift hits both alike); then the p99 of an
 * open-loop send rate at half the best measured throughput.
 *
 * With `--instances N`, instead: the same closed loops through the loopback
 * balancer on one instance, one with Redis and N with Redis, all running at
 * once (each layout its own Redis, so rings never cross) and taking turns
 * run by run; CPU is summed over the layout's app processes, redis-server's
 * read beside it.
 */
import { randomUUID } from "node:crypto";
import { sleep } from "@/lib/process";
import {
  type BenchContext,
  comparedLayouts,
  type Deployment,
  type Layout,
  layoutKey,
  layoutLabel,
  now,
} from "../lib/context";
import { postgresServerPid } from "../lib/database";
import type { HttpClient } from "../lib/http";
import { minimalSendScript, type PgbenchRun, runPgbench, sendScript } from "../lib/pgbench";
import { threadCpuMicros, treeCpuMicros } from "../lib/proc";
import { sequenceProblems } from "../lib/seed";
import { cpuReader } from "../lib/server";
import { type Latencies, latencies, median } from "../lib/stats";

type Mode = "hot" | "spread";

interface SendRun {
  throughput: number;
  latency: Latencies;
  errors: number;
  errorSamples: string[];
  /** Server process CPU (user + system) per successful send over the whole run, µs. */
  serverCpuPerSend: number;
  /** The server's CPU use over the run, in cores. */
  serverCores: number;
  /** This process's (the load generator's) CPU per send, µs. */
  clientCpuPerSend: number;
  /** PostgreSQL's CPU (every process of the server) per successful send, µs. */
  postgresCpuPerSend: number;
  /** With several instances: each one's CPU use over the run, in cores. */
  instanceCores?: number[];
  /** With Redis: redis-server's CPU per successful send, µs. */
  redisCpuPerSend?: number;
}

/**
 * The processes a run's CPU is read from: the app's (one or several) and its
 * Redis, if any; `precise` (comparisons of layouts) reads their threads'
 * nanosecond counters instead of clock ticks.
 */
interface Processes {
  app: number[];
  redis: number | undefined;
  precise: boolean;
}

const processesOf = (deployment: Deployment): Processes => ({
  app: deployment.instances.map((instance) => instance.server.child.pid as number),
  redis: deployment.redis?.pid,
  precise: deployment.balancer !== undefined,
});

/** A pgbench run and what it cost PostgreSQL. */
interface BaselineRun extends PgbenchRun {
  postgresCpuPerTx: number;
}

/** Reads PostgreSQL's CPU time so far, µs (NaN where the server is not on this machine). */
type PostgresCpu = () => number;

const modeLabel = (mode: Mode, channels: number) =>
  mode === "hot" ? "one hot channel" : `${channels.toLocaleString("en-US")} channels`;

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)] as T;
}

/** Closed loop: `concurrency` senders, each sending as soon as its previous send returned. */
async function appRun(
  ctx: BenchContext,
  client: HttpClient,
  mode: Mode,
  concurrency: number,
  postgresCpu: PostgresCpu,
  processes: Processes = processesOf(ctx.app()),
): Promise<SendRun> {
  const { fixture, options } = ctx;
  const read = cpuReader(processes.precise);
  const each = () => processes.app.map((pid) => read(pid) ?? Number.NaN);
  const redisCpu = () =>
    processes.redis === undefined ? Number.NaN : (threadCpuMicros(processes.redis) ?? Number.NaN);
  const instancesBefore = each();
  const redisBefore = redisCpu();
  const postgresBefore = postgresCpu();
  const clientCpu = process.cpuUsage();
  let sent = 0;
  const start = now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const measureTo = measureFrom + options.sendSeconds * 1000;
  const samples: number[] = [];
  let errors = 0;
  const errorSamples: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const token = (fixture.senders[worker] ?? fixture.senders[0])?.token;
      for (let i = 0; now() < measureTo; i++) {
        const channelId = mode === "hot" ? fixture.hotChannelId : pick(fixture.spreadChannelIds);
        const body = `bench send ${worker}/${i}, the quick brown fox jumps over the lazy dog`;
        const started = now();
        let ok = false;
        try {
          const reply = await client.mutate(
            "message.send",
            { channelId, body, clientMessageId: randomUUID() },
            token,
          );
          ok = reply.status === 200;
          if (!ok && errorSamples.length < 3)
            errorSamples.push(`HTTP ${reply.status}: ${reply.text.slice(0, 300)}`);
        } catch (error) {
          if (errorSamples.length < 3) errorSamples.push(String(error));
        }
        const ended = now();
        if (!ok) errors++;
        else {
          sent++;
          if (ended >= measureFrom && ended <= measureTo) samples.push(ended - started);
        }
      }
    }),
  );
  const instanceMicros = each().map((micros, i) => micros - (instancesBefore[i] ?? Number.NaN));
  const serverMicros = instanceMicros.reduce((sum, micros) => sum + micros, 0);
  const redisMicros = redisCpu() - redisBefore;
  const postgresMicros = postgresCpu() - postgresBefore;
  const clientUsage = process.cpuUsage(clientCpu);
  const elapsedMicros = (now() - start) * 1000;
  return {
    throughput: samples.length / options.sendSeconds,
    latency: latencies(samples),
    errors,
    errorSamples,
    serverCpuPerSend: serverMicros / sent,
    serverCores: serverMicros / elapsedMicros,
    clientCpuPerSend: (clientUsage.user + clientUsage.system) / sent,
    postgresCpuPerSend: postgresMicros / sent,
    ...(processes.app.length > 1
      ? { instanceCores: instanceMicros.map((micros) => micros / elapsedMicros) }
      : {}),
    ...(processes.redis === undefined ? {} : { redisCpuPerSend: redisMicros / sent }),
  };
}

/**
 * Open loop: sends start on a fixed schedule whatever the server does, and
 * each latency counts from its scheduled start (no coordinated omission).
 */
async function pacedRun(ctx: BenchContext, client: HttpClient, mode: Mode, rate: number) {
  const { fixture, options } = ctx;
  const interval = 1000 / rate;
  const start = now() + 50;
  const warmupEnd = start + options.warmupSeconds * 1000;
  const end = warmupEnd + options.sendSeconds * 1000;
  const samples: number[] = [];
  const pending = new Set<Promise<void>>();
  let errors = 0;
  const errorSamples: string[] = [];
  let dropped = 0;
  let index = 0;
  const maxInFlight = 2048;
  for (;;) {
    const current = now();
    if (current >= end) break;
    for (
      let due = start + index * interval;
      due <= current && due < end;
      due = start + index * interval
    ) {
      index++;
      if (pending.size >= maxInFlight) {
        dropped++;
        continue;
      }
      const sender = fixture.senders[index % fixture.senders.length];
      const channelId = mode === "hot" ? fixture.hotChannelId : pick(fixture.spreadChannelIds);
      const scheduled = due;
      const send = client
        .mutate(
          "message.send",
          {
            channelId,
            body: `paced send ${index}, the quick brown fox`,
            clientMessageId: randomUUID(),
          },
          sender?.token,
        )
        .then(
          (reply) => {
            if (reply.status !== 200) {
              errors++;
              if (errorSamples.length < 3)
                errorSamples.push(`HTTP ${reply.status}: ${reply.text.slice(0, 300)}`);
            } else if (scheduled >= warmupEnd) samples.push(now() - scheduled);
          },
          (error: unknown) => {
            errors++;
            if (errorSamples.length < 3) errorSamples.push(String(error));
          },
        )
        .finally(() => pending.delete(send));
      pending.add(send);
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { latency: latencies(samples), errors, errorSamples, dropped, sent: index };
}

/** One pgbench run of `script`, with what it cost PostgreSQL per transaction. */
async function baselineRun(
  ctx: BenchContext,
  script: string,
  clients: number,
  postgresCpu: PostgresCpu,
): Promise<BaselineRun> {
  const before = postgresCpu();
  const run = await runPgbench({
    binary: ctx.pgbench as string,
    databaseUrl: ctx.database.url,
    script,
    clients,
    seconds: ctx.options.sendSeconds,
  });
  return { ...run, postgresCpuPerTx: (postgresCpu() - before) / run.transactions };
}

const cpuMs = (micros: number) => (micros / 1000).toFixed(2);
const baselineLine = (name: string, run: BaselineRun) =>
  `${name} ${Math.round(run.tps)} tx/s (p50 ${run.latency.p50.toFixed(1)} ms, p99 ${run.latency.p99.toFixed(1)} ms${run.failed ? `, ${run.failed} failed` : ""}; PostgreSQL ${cpuMs(run.postgresCpuPerTx)} ms CPU/tx)`;

/** PostgreSQL's CPU so far, read from /proc when it runs on this machine (skipped, saying so, when not). */
async function postgresCpuReader(ctx: BenchContext): Promise<PostgresCpu> {
  const postgres = await postgresServerPid(ctx.database.url);
  if (postgres === undefined)
    ctx.recorder.skip("PostgreSQL CPU per send: the database server does not run on this machine.");
  return () => (postgres === undefined ? Number.NaN : (treeCpuMicros(postgres) ?? Number.NaN));
}

export async function sendScenario(ctx: BenchContext) {
  const { options, recorder, log } = ctx;
  if (options.instances > 1) return sendComparison(ctx);
  const { client } = await ctx.restartApp("send");
  const postgresCpu = await postgresCpuReader(ctx);
  let best: { mode: Mode; value: number } = { mode: "spread", value: 0 };
  if (!ctx.pgbench) {
    recorder.skip(
      "pgbench figures and app ÷ pgbench ratios: pgbench is not installed (Debian: apt-get install postgresql-client).",
    );
  }

  const labelOf = (mode: Mode, concurrency: number) =>
    `send, ${modeLabel(mode, options.spreadChannels)}, ${concurrency} sender${concurrency === 1 ? "" : "s"}`;
  for (const mode of ["spread", "hot"] as const) {
    // Runs go round the concurrencies, so every comparison (app ÷ pgbench,
    // 64 ÷ 16 senders) is between runs made side by side.
    const apps = new Map<number, SendRun[]>();
    const pgs = new Map<number, BaselineRun[]>();
    const minimal = new Map<number, BaselineRun[]>();
    for (let run = 1; run <= options.runs; run++) {
      for (const concurrency of options.concurrencies) {
        const label = labelOf(mode, concurrency);
        const app = await appRun(ctx, client, mode, concurrency, postgresCpu);
        apps.set(concurrency, [...(apps.get(concurrency) ?? []), app]);
        let line = `${label} · run ${run}/${options.runs}: app ${Math.round(app.throughput)} msg/s (p50 ${app.latency.p50.toFixed(1)} ms, p99 ${app.latency.p99.toFixed(1)} ms${app.errors ? `, ${app.errors} errors` : ""}; server ${cpuMs(app.serverCpuPerSend)} ms CPU/msg, ${app.serverCores.toFixed(2)} cores; PostgreSQL ${cpuMs(app.postgresCpuPerSend)} ms CPU/msg)`;
        if (ctx.pgbench) {
          const pg = await baselineRun(
            ctx,
            sendScript(mode, options.spreadChannels),
            concurrency,
            postgresCpu,
          );
          pgs.set(concurrency, [...(pgs.get(concurrency) ?? []), pg]);
          const least = await baselineRun(
            ctx,
            minimalSendScript(mode, options.spreadChannels),
            concurrency,
            postgresCpu,
          );
          minimal.set(concurrency, [...(minimal.get(concurrency) ?? []), least]);
          line += ` · ${baselineLine("pgbench", pg)} · ratio ${(app.throughput / pg.tps).toFixed(2)} · ${baselineLine("minimal send", least)} · ratio ${(app.throughput / least.tps).toFixed(2)}`;
        }
        log(line);
        if (app.errors > 0) {
          recorder.anomaly(
            `${label}, run ${run}: ${app.errors} sends failed; e.g. ${app.errorSamples.join(" / ")}`,
          );
        }
        await sleep(200);
      }
    }

    for (const concurrency of options.concurrencies) {
      const label = labelOf(mode, concurrency);
      const appRuns = apps.get(concurrency) ?? [];
      const pgRuns = pgs.get(concurrency) ?? [];
      const leastRuns = minimal.get(concurrency) ?? [];
      const ratios = pgRuns.map((pg, i) => (appRuns[i]?.throughput ?? Number.NaN) / pg.tps);
      recorder.raw("send", {
        mode,
        concurrency,
        app: appRuns,
        pgbench: pgRuns,
        minimal: leastRuns,
        ratios,
      });
      const figure = recorder.figure({
        id: `send.${mode}.${concurrency}.app`,
        scenario: "send",
        label: `${label}: app`,
        unit: "msg/s",
        runs: appRuns.map((a) => a.throughput),
        detail: `p50 ${median(appRuns.map((a) => a.latency.p50)).toFixed(1)} ms, p99 ${median(appRuns.map((a) => a.latency.p99)).toFixed(1)} ms; server ${cpuMs(median(appRuns.map((a) => a.serverCpuPerSend)))} ms CPU/msg; PostgreSQL ${cpuMs(median(appRuns.map((a) => a.postgresCpuPerSend)))} ms CPU/msg`,
      });
      best = figure.value > best.value ? { mode, value: figure.value } : best;
      if (pgRuns.length > 0) {
        recorder.figure({
          id: `send.${mode}.${concurrency}.pgbench`,
          scenario: "send",
          label: `${label}: pgbench, same SQL`,
          unit: "tx/s",
          runs: pgRuns.map((p) => p.tps),
          detail: `p50 ${median(pgRuns.map((p) => p.latency.p50)).toFixed(1)} ms, p99 ${median(pgRuns.map((p) => p.latency.p99)).toFixed(1)} ms; PostgreSQL ${cpuMs(median(pgRuns.map((p) => p.postgresCpuPerTx)))} ms CPU/tx`,
        });
        recorder.figure({
          id: `send.${mode}.${concurrency}.minimal`,
          scenario: "send",
          label: `${label}: pgbench, minimal send`,
          unit: "tx/s",
          runs: leastRuns.map((p) => p.tps),
          detail: `p50 ${median(leastRuns.map((p) => p.latency.p50)).toFixed(1)} ms, p99 ${median(leastRuns.map((p) => p.latency.p99)).toFixed(1)} ms; PostgreSQL ${cpuMs(median(leastRuns.map((p) => p.postgresCpuPerTx)))} ms CPU/tx`,
        });
        const spread32 = mode === "spread" && concurrency === 32;
        recorder.figure({
          id: `send.${mode}.${concurrency}.minimal-ratio`,
          scenario: "send",
          label: `${label}: app ÷ minimal send`,
          unit: "×",
          runs: leastRuns.map((p, i) => (appRuns[i]?.throughput ?? Number.NaN) / p.tps),
          target: spread32 ? { text: "≥ 0.25", op: ">=", value: 0.25 } : undefined,
        });
        recorder.figure({
          id: `send.${mode}.${concurrency}.postgres-cpu-ratio`,
          scenario: "send",
          label: `${label}: PostgreSQL CPU per send, app ÷ minimal send`,
          unit: "×",
          runs: leastRuns.map(
            (p, i) => (appRuns[i]?.postgresCpuPerSend ?? Number.NaN) / p.postgresCpuPerTx,
          ),
          target: spread32 ? { text: "≤ 2", op: "<=", value: 2 } : undefined,
        });
        const target =
          mode === "spread" && concurrency === 32
            ? { text: "≥ 0.6", op: ">=" as const, value: 0.6 }
            : mode === "hot" && concurrency === 64
              ? { text: "≥ 1.0", op: ">=" as const, value: 1 }
              : undefined;
        recorder.figure({
          id: `send.${mode}.${concurrency}.ratio`,
          scenario: "send",
          label: `${label}: app ÷ pgbench`,
          unit: "×",
          runs: ratios,
          target,
        });
      }
    }

    const at16 = apps.get(16);
    const at64 = apps.get(64);
    if (mode === "hot" && at16 && at64) {
      recorder.figure({
        id: "send.hot.64-vs-16",
        scenario: "send",
        label: "send, one hot channel: app at 64 senders ÷ app at 16 senders",
        unit: "×",
        runs: at64.map((run, i) => run.throughput / (at16[i]?.throughput ?? Number.NaN)),
        target: { text: "≥ 0.9", op: ">=", value: 0.9 },
      });
    }
  }

  // Open loop at half the best throughput measured above.
  if (best.value > 0) {
    const rate = Math.max(1, Math.round(best.value / 2));
    const runs: Awaited<ReturnType<typeof pacedRun>>[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const paced = await pacedRun(ctx, client, best.mode, rate);
      runs.push(paced);
      log(
        `send at half the maximum (${rate} msg/s, ${modeLabel(best.mode, options.spreadChannels)}, open loop) · run ${run}/${options.runs}: p50 ${paced.latency.p50.toFixed(1)} ms, p99 ${paced.latency.p99.toFixed(1)} ms${paced.errors ? `, ${paced.errors} errors` : ""}${paced.dropped ? `, ${paced.dropped} not sent (over 2,048 in flight)` : ""}`,
      );
      if (paced.errors > 0)
        recorder.anomaly(`paced sends, run ${run}: ${paced.errors} sends failed`);
      await sleep(200);
    }
    recorder.raw("send.paced", { rate, mode: best.mode, runs });
    recorder.figure({
      id: "send.paced.p99",
      scenario: "send",
      label: `send p99 at half the measured maximum (${rate} msg/s open loop, ${modeLabel(best.mode, options.spreadChannels)})`,
      unit: "ms",
      runs: runs.map((r) => r.latency.p99),
      detail: `p50 ${median(runs.map((r) => r.latency.p50)).toFixed(1)} ms`,
      target: { text: "≤ 25 ms", op: "<=", value: 25 },
    });
  }

  noteRetries(ctx, client);
  await checkSequences(ctx, "app and pgbench");
}

function noteRetries(ctx: BenchContext, client: HttpClient) {
  if (client.retriedOnStaleSocket > 0) {
    ctx.recorder.note(
      `send: ${client.retriedOnStaleSocket} request(s) went out on a keep-alive socket the server had just closed and were sent again (same clientMessageId).`,
    );
  }
}

/** After every send (app's and pgbench's), each channel's messages must be exactly 1..N. */
async function checkSequences(ctx: BenchContext, senders: string) {
  const { recorder, log } = ctx;
  const integrity = await sequenceProblems(ctx.pool, ctx.fixture.workspaceId);
  log(
    `sequences: ${integrity.checked.messages.toLocaleString("en-US")} messages in ${integrity.checked.channels} channels checked, ${integrity.problems.length} channel(s) not exactly 1..N`,
  );
  recorder.figure({
    id: "send.sequence-problems",
    scenario: "send",
    label: `channels whose messages are not exactly 1..N after all sends (${integrity.checked.messages.toLocaleString("en-US")} messages, ${senders})`,
    unit: "",
    runs: [integrity.problems.length],
    target: { text: "0", op: "==", value: 0 },
  });
  if (integrity.problems.length > 0) {
    recorder.anomaly(
      `sequence gaps or duplicates: ${JSON.stringify(integrity.problems.slice(0, 5))}`,
    );
  }
}

/** --instances: each closed loop on every compared layout, the layouts taking turns run by run. */
async function sendComparison(ctx: BenchContext) {
  const { options, recorder, log } = ctx;
  const layouts = comparedLayouts(options.instances);
  const deployments = await ctx.restartApps("send", layouts);
  const postgresCpu = await postgresCpuReader(ctx);
  const [single, , several] = layouts as [Layout, Layout, Layout];
  const labelOf = (mode: Mode, concurrency: number) =>
    `send through the balancer, ${modeLabel(mode, options.spreadChannels)}, ${concurrency} sender${concurrency === 1 ? "" : "s"}`;
  for (const mode of ["spread", "hot"] as const) {
    const runs = new Map<string, SendRun[]>();
    const key = (layout: Layout, concurrency: number) => `${layoutKey(layout)}/${concurrency}`;
    for (let run = 1; run <= options.runs; run++) {
      for (const concurrency of options.concurrencies) {
        const parts: string[] = [];
        for (const deployment of deployments) {
          const { layout } = deployment;
          const app = await appRun(
            ctx,
            deployment.client,
            mode,
            concurrency,
            postgresCpu,
            processesOf(deployment),
          );
          runs.set(key(layout, concurrency), [...(runs.get(key(layout, concurrency)) ?? []), app]);
          parts.push(
            `${layoutLabel(layout)} ${Math.round(app.throughput)} msg/s (p50 ${app.latency.p50.toFixed(1)} ms, p99 ${app.latency.p99.toFixed(1)} ms${app.errors ? `, ${app.errors} errors` : ""}; ` +
              `app ${cpuMs(app.serverCpuPerSend)} ms CPU/msg, ${app.serverCores.toFixed(2)} cores${app.instanceCores ? ` (${app.instanceCores.map((c) => c.toFixed(2)).join(" + ")})` : ""}` +
              `${app.redisCpuPerSend === undefined ? "" : `; redis-server ${app.redisCpuPerSend.toFixed(0)} µs CPU/msg`}; PostgreSQL ${cpuMs(app.postgresCpuPerSend)} ms CPU/msg)`,
          );
          if (app.errors > 0) {
            recorder.anomaly(
              `${labelOf(mode, concurrency)}, ${layoutLabel(layout)}, run ${run}: ${app.errors} sends failed; e.g. ${app.errorSamples.join(" / ")}`,
            );
          }
          await sleep(200);
        }
        log(`${labelOf(mode, concurrency)} · run ${run}/${options.runs}: ${parts.join(" · ")}`);
      }
    }

    for (const concurrency of options.concurrencies) {
      const label = labelOf(mode, concurrency);
      const of = (layout: Layout) => runs.get(key(layout, concurrency)) ?? [];
      recorder.raw("send.instances", {
        mode,
        concurrency,
        layouts: layouts.map((layout) => ({ layout, runs: of(layout) })),
      });
      for (const layout of layouts) {
        const done = of(layout);
        const redis = median(done.map((a) => a.redisCpuPerSend ?? Number.NaN));
        recorder.figure({
          id: `send.instances.${mode}.${concurrency}.${layoutKey(layout)}`,
          scenario: "send",
          label: `${label}: ${layoutLabel(layout)}`,
          unit: "msg/s",
          runs: done.map((a) => a.throughput),
          detail:
            `p50 ${median(done.map((a) => a.latency.p50)).toFixed(1)} ms, p99 ${median(done.map((a) => a.latency.p99)).toFixed(1)} ms; ` +
            `app ${cpuMs(median(done.map((a) => a.serverCpuPerSend)))} ms CPU/msg in ${median(done.map((a) => a.serverCores)).toFixed(2)} cores` +
            `${layout.redis ? `; redis-server ${redis.toFixed(0)} µs CPU/msg` : ""}; PostgreSQL ${cpuMs(median(done.map((a) => a.postgresCpuPerSend)))} ms CPU/msg`,
        });
      }
      const base = of(single);
      recorder.figure({
        id: `send.instances.${mode}.${concurrency}.ratio`,
        scenario: "send",
        label: `${label}: ${layoutLabel(several)} ÷ 1 instance`,
        unit: "×",
        runs: of(several).map((a, i) => a.throughput / (base[i]?.throughput ?? Number.NaN)),
        detail: `app CPU per message ${median(of(several).map((a, i) => a.serverCpuPerSend / (base[i]?.serverCpuPerSend ?? Number.NaN))).toFixed(2)} ×`,
      });
    }
  }

  for (const deployment of deployments) noteRetries(ctx, deployment.client);
  await checkSequences(ctx, `sent through ${layouts.map(layoutLabel).join(", ")}`);
}
