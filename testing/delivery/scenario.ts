/**
 * One run of the delivery suite: start the cluster, set up the world, open
 * every subscriber's streams, start the senders, then for each planned fault
 * let the system run calmly for a while, inject the fault, and measure the
 * recovery — a probe message is sent to every target once the fault is over,
 * and recovery is the time from the injection until every subscriber has
 * received it (so holds everything committed up to the end of the fault).
 * After the faults the senders stop, every subscriber must reach the final
 * revision of its targets, and the checker compares everything with
 * PostgreSQL.
 */
import { sleep } from "@/lib/process";
import { type CheckReport, check } from "./checker";
import { type Cluster, startCluster } from "./cluster";
import { describeFault, type FaultStep, inject } from "./faults";
import { Follower } from "./follower";
import { buildWorld, type Participant } from "./people";
import { currentRevisions, readTruth } from "./truth";
import { Gate, Ledger, Sender, type WorkloadOptions } from "./workload";

export interface ScenarioPlan {
  name: string;
  senders: number;
  subscribers: number;
  lateSubscribers: number;
  /** Channels, #general included; there is one conversation besides. */
  channels: number;
  workload: Omit<WorkloadOptions, "urls">;
  faults: FaultStep[];
  /** Normal operation before each fault, ms. */
  calmMs: number;
  /** After the faults, the load goes on until this many sends are acknowledged (or maxLoadMs). */
  minAcknowledgedSends: number;
  maxLoadMs: number;
  /** One random stream is cut this often besides the faults (0: never). */
  backgroundAbortEveryMs: number;
  recoveryTimeoutMs: number;
  /**
   * After each recovery the senders pause and one probe per target goes
   * through each instance alone; a subscriber on the other instance gets it
   * only through Redis (or the feeds' 10 s poll). Waits at most this long.
   */
  quietTimeoutMs: number;
  /** Environment of both app processes (limits, stream ages). */
  appEnv: Record<string, string>;
  databaseServerUrl: string | undefined;
  log: (line: string) => void;
}

export interface FaultResult {
  index: number;
  kind: FaultStep["kind"];
  startedAt: number;
  description: string;
  detail: string;
  /** Of the fault's active phase (kill to answering again, storm start to end). */
  activeMs: number;
  /** From injection until every subscriber held the probes; null when they never did. */
  recoveryMs: number | null;
  /** The same, counted from the end of the active phase. */
  afterEndMs: number | null;
  /** The subscriber stream that caught up last (or was still behind). */
  slowest: string;
  /** Requests that failed (network, 5xx, 429) from injection to recovery, and how. */
  failedRequests: number;
  failedHow: string;
  /** The longest time without any acknowledged send, from injection to recovery. */
  longestSendGapMs: number;
  /** Quiet probes through instance a, then b: commit to every subscriber holding it (null: never). */
  quietMs: (number | null)[];
  /** Targets an instance has subscribers of, but Redis has no subscription of that instance for. */
  deafTopics: number;
}

export interface ScenarioResult {
  name: string;
  ok: boolean;
  /** Why the run is not ok, in sentences. */
  failures: string[];
  /** What is not a broken promise but should not be so (slow delivery, deaf instances). */
  findings: string[];
  wallMs: number;
  setupMs: number;
  loadMs: number;
  streams: number;
  faults: FaultResult[];
  backgroundAborts: number;
  report: CheckReport;
  requestFailures: [string, number][];
  /** Why stream connections ended, by reason (faults, server ends, errors). */
  streamEnds: [string, number][];
  exposures: string[];
  refusals: string[];
  serverFaultLines: { instance: string; lines: number; samples: string[] }[];
  /** Uncaught exceptions and unhandled rejections the app processes reported. */
  uncaught: { instance: string; count: number; samples: string[] }[];
  instanceStarts: number;
  redisStarts: number;
}

interface CatchUp {
  at: number | null;
  slowest: string;
}

/** Waits until every follower holds at least the mark of its target. */
async function caughtUp(
  followers: Follower[],
  marks: Map<string, number>,
  timeoutMs: number,
): Promise<CatchUp> {
  const deadline = Date.now() + timeoutMs;
  const reached = new Map<Follower, number>();
  for (;;) {
    const now = Date.now();
    for (const follower of followers) {
      const mark = marks.get(follower.options.target.key);
      if (!reached.has(follower) && mark !== undefined && follower.highest >= mark)
        reached.set(follower, now);
    }
    const behind = followers.filter((follower) => !reached.has(follower));
    if (behind.length === 0) {
      let slowest = { name: "", at: 0 };
      for (const [follower, at] of reached)
        if (at >= slowest.at) slowest = { name: `${follower.name}`, at };
      return { at: slowest.at || now, slowest: slowest.name };
    }
    if (now > deadline)
      return {
        at: null,
        slowest: behind
          .slice(0, 3)
          .map((f) => `${f.name} at ${f.highest} of ${marks.get(f.options.target.key)}`)
          .join(", "),
      };
    await sleep(10);
  }
}

function longestGap(times: number[], from: number, to: number): number {
  let previous = from;
  let longest = 0;
  for (const time of times) {
    if (time < from) continue;
    if (time > to) break;
    longest = Math.max(longest, time - previous);
    previous = time;
  }
  return Math.max(longest, to - previous);
}

export async function runScenario(plan: ScenarioPlan): Promise<ScenarioResult> {
  const began = Date.now();
  const { log } = plan;
  const cluster: Cluster = await startCluster({
    databaseServerUrl: plan.databaseServerUrl,
    env: plan.appEnv,
    log,
  });
  const followers: Follower[] = [];
  const senders: Sender[] = [];
  let background: NodeJS.Timeout | undefined;
  try {
    const urls = cluster.instances.map((instance) => instance.url);
    const world = await buildWorld(urls[0] as string, plan);
    log(
      `world: ${world.targets.length} targets, ${world.senders.length} senders, ${world.subscribers.length} subscribers (+${world.lateSubscribers.length} late)`,
    );
    const ledger = new Ledger();
    const stallMs = Number(plan.appEnv.STREAM_PING_SECONDS ?? 20) * 1_000 * 3 + 1_000;
    const follow = (person: Participant, index: number) =>
      person.targets.map((target, t) => {
        const follower = new Follower({
          name: `${person.label}/${target.kind === "channel" ? "ch" : "dm"}${t}`,
          target,
          credentials: person.credentials,
          urls,
          startIndex: index + t,
          from: 0,
          stallMs,
          onExposure: (where, detail) => ledger.noteExposure(where, detail),
        }).start();
        followers.push(follower);
        return follower;
      });
    for (const [i, person] of world.subscribers.entries()) follow(person, i);
    const lateQueue = [...world.lateSubscribers];
    const addLateFollowers = (count: number) =>
      lateQueue.splice(0, count).flatMap((person, i) => follow(person, i));

    const firstSync = Date.now() + 30_000;
    while (!followers.every((f) => f.entries.some((entry) => entry.kind === "sync"))) {
      if (Date.now() > firstSync)
        throw new Error("not every subscriber got its first sync within 30 s");
      await sleep(20);
    }

    const workload = { ...plan.workload, urls };
    const gate = new Gate();
    for (const person of world.senders)
      senders.push(new Sender(person, ledger, workload, gate).start());
    const careful = { ...workload, abandonRate: 0, pairRate: 0, repeatRate: 0 };
    const prober = new Sender(world.prober, ledger, careful);
    const probersVia = urls.map(
      (url) => new Sender(world.prober, ledger, { ...careful, urls: [url] }),
    );

    /** Probes through each instance alone, with the senders paused: commit-to-delivered times. */
    const quietProbes = async (): Promise<(number | null)[]> => {
      await gate.pause(15_000);
      try {
        const times: (number | null)[] = [];
        for (const via of probersVia) {
          const probes = await Promise.all(world.targets.map((target) => via.send(target)));
          const marks = new Map<string, number>();
          let committedAt = 0;
          for (const probe of probes) {
            const ack = probe.acks[0];
            if (!ack) continue;
            marks.set(probe.targetKey, ack.revision);
            committedAt = Math.max(committedAt, ack.at);
          }
          const done = await caughtUp(followers, marks, plan.quietTimeoutMs);
          times.push(done.at === null ? null : Math.max(0, done.at - committedAt));
        }
        return times;
      } finally {
        gate.resume();
      }
    };

    /** Targets an instance holds open streams of without a Redis subscription for them. */
    const deafTopics = async (): Promise<number> => {
      const counts = await cluster.redis.subscribers(
        world.targets.map((target) => `sequent:${target.key}`),
      );
      let deaf = 0;
      for (const target of world.targets) {
        const instancesWithStreams = new Set(
          followers
            .filter((f) => f.options.target.key === target.key && f.connectedTo)
            .map((f) => f.connectedTo),
        ).size;
        deaf += Math.max(0, instancesWithStreams - (counts.get(`sequent:${target.key}`) ?? 0));
      }
      return deaf;
    };
    let backgroundAborts = 0;
    if (plan.backgroundAbortEveryMs > 0) {
      background = setInterval(() => {
        const victim = followers[Math.floor(Math.random() * followers.length)];
        if (victim) {
          victim.abort("background: stream cut");
          backgroundAborts++;
        }
      }, plan.backgroundAbortEveryMs);
    }
    const loadBegan = Date.now();
    const setupMs = loadBegan - began;
    log(
      `setup took ${setupMs} ms; ${followers.length} streams open, ${senders.length} senders sending`,
    );

    const failuresBetween = (from: number, to: number) => {
      const how = new Map<string, number>();
      for (const { at, what } of ledger.failureLog)
        if (at >= from && at <= to) how.set(what, (how.get(what) ?? 0) + 1);
      return [...how].sort((x, y) => y[1] - x[1]);
    };
    const faults: FaultResult[] = [];
    for (const [index, step] of plan.faults.entries()) {
      await sleep(plan.calmMs);
      const description = describeFault(step);
      const startedAt = Date.now();
      const detail = await inject(step, {
        cluster,
        followers: () => followers,
        addLateFollowers,
      });
      const endedAt = Date.now();
      const probes = await Promise.all(world.targets.map((target) => prober.send(target)));
      const marks = new Map<string, number>();
      for (const probe of probes) {
        const ack = probe.acks[0];
        if (ack) marks.set(probe.targetKey, ack.revision);
      }
      const done = await caughtUp(followers, marks, plan.recoveryTimeoutMs);
      const until = done.at ?? Date.now();
      const failed = failuresBetween(startedAt, until);
      const failedRequests = failed.reduce((sum, [, count]) => sum + count, 0);
      const failedHow = failed.map(([what, count]) => `${count} × ${what}`).join(", ");
      const longestSendGapMs = longestGap(ledger.ackTimes, startedAt, until);
      const quietMs = await quietProbes();
      const deaf = await deafTopics().catch(() => -1);
      const result: FaultResult = {
        index: index + 1,
        kind: step.kind,
        startedAt,
        description,
        detail,
        activeMs: endedAt - startedAt,
        recoveryMs: done.at === null ? null : done.at - startedAt,
        afterEndMs: done.at === null ? null : done.at - endedAt,
        slowest: done.slowest,
        failedRequests,
        failedHow,
        longestSendGapMs,
        quietMs,
        deafTopics: deaf,
      };
      faults.push(result);
      log(
        `fault ${result.index} ${description}: ${detail}; ` +
          (result.recoveryMs === null
            ? `NOT caught up within ${plan.recoveryTimeoutMs} ms (${done.slowest})`
            : `caught up ${result.recoveryMs} ms after injection (${result.afterEndMs} ms after its end; last: ${done.slowest})`) +
          `; ${result.failedRequests} failed requests${failedHow ? ` (${failedHow})` : ""}; quiet probes via a, b delivered in ${quietMs.map((ms) => (ms === null ? "never" : `${ms} ms`)).join(", ")}` +
          `; ${deaf} deaf topics; ${ledger.acknowledgedSends} sends acknowledged so far`,
      );
    }

    while (
      ledger.acknowledgedSends < plan.minAcknowledgedSends &&
      Date.now() - loadBegan < plan.maxLoadMs
    )
      await sleep(100);
    clearInterval(background);
    await Promise.all(senders.map((sender) => sender.stop()));
    const loadMs = Date.now() - loadBegan;
    log(`load stopped after ${loadMs} ms; ${ledger.acknowledgedSends} sends acknowledged`);

    // Quiet now: every subscriber must reach the final revision of its targets.
    const finals = await currentRevisions(cluster.admin, world.targets);
    const final = await caughtUp(followers, finals, plan.recoveryTimeoutMs);
    const failures: string[] = [];
    if (final.at === null)
      failures.push(`subscribers never reached the final revisions: ${final.slowest}`);
    // A moment for a stray late duplicate to arrive before the books close.
    await sleep(500);
    await Promise.all(followers.map((follower) => follower.stop()));

    const truth = await readTruth(cluster.admin, world.targets);
    const report = check({
      truth,
      sends: ledger.sends,
      changes: ledger.changes,
      streams: followers.map((follower) => ({
        name: follower.name,
        targetKey: follower.options.target.key,
        from: follower.options.from,
        entries: follower.entries,
      })),
    });
    if (!report.ok)
      failures.push(
        `the checker found: ${Object.entries(report.counts)
          .map(([kind, n]) => `${n} × ${kind}`)
          .join(", ")}`,
      );
    for (const fault of faults)
      if (fault.recoveryMs === null)
        failures.push(
          `fault ${fault.index} (${fault.description}): not caught up (${fault.slowest})`,
        );
    if (ledger.exposures.length > 0)
      failures.push(`${ledger.exposures.length} answers showed server internals`);
    if (ledger.refusals.length > 0)
      failures.push(`${ledger.refusals.length} requests were refused with a client error`);
    const gaveUp = ledger.sends.filter((send) => send.gaveUp).length;
    if (gaveUp > 0) failures.push(`${gaveUp} sends were never acknowledged despite retries`);

    const findings: string[] = [];
    for (const fault of faults) {
      const slow = fault.quietMs.filter((ms) => ms === null || ms > 2_000);
      if (slow.length > 0)
        findings.push(
          `after fault ${fault.index} (${fault.description}), a quiet message took ${fault.quietMs.map((ms) => (ms === null ? "forever" : `${ms} ms`)).join(" / ")} (via a / via b) to reach every subscriber`,
        );
      if (fault.deafTopics > 0)
        findings.push(
          `after fault ${fault.index} (${fault.description}), ${fault.deafTopics} target topic(s) had streams on an instance without its Redis subscription`,
        );
    }

    const during = (at: number) =>
      faults.find(
        (fault) => at >= fault.startedAt && at <= fault.startedAt + (fault.recoveryMs ?? 0) + 1_000,
      );
    if (ledger.unauthorized.length > 0) {
      const where = new Set(
        ledger.unauthorized.map(({ at }) => during(at)?.description ?? "no fault"),
      );
      findings.push(
        `${ledger.unauthorized.length} request(s) with a valid session or token were answered 401 UNAUTHORIZED (during: ${[...where].join("; ")})`,
      );
    }
    const streamEnds = new Map<string, number>();
    for (const follower of followers)
      for (const entry of follower.entries)
        if (entry.kind === "end") {
          const reason = entry.reason.replace(/\d{3,}/g, "N");
          streamEnds.set(reason, (streamEnds.get(reason) ?? 0) + 1);
        }
    for (const [reason, count] of streamEnds)
      if (/server error (UNAUTHORIZED|FORBIDDEN|NOT_FOUND)/.test(reason))
        findings.push(
          `${count} stream connection(s) of subscribers with valid access ended with ${reason}`,
        );
    for (const instance of cluster.instances)
      if (instance.uncaught > 0)
        findings.push(
          `instance ${instance.name} reported ${instance.uncaught} uncaught exception(s), e.g. ${instance.uncaughtSamples[0]}`,
        );

    return {
      name: plan.name,
      ok: failures.length === 0,
      failures,
      findings,
      wallMs: Date.now() - began,
      setupMs,
      loadMs,
      streams: followers.length,
      faults,
      backgroundAborts,
      report,
      requestFailures: [...ledger.failures].sort((a, b) => b[1] - a[1]),
      streamEnds: [...streamEnds].sort((a, b) => b[1] - a[1]),
      exposures: ledger.exposures,
      refusals: ledger.refusals,
      serverFaultLines: cluster.instances.map((instance) => {
        const { faults: samples } = instance.diagnostics();
        return { instance: instance.name, lines: instance.faultLines, samples };
      }),
      uncaught: cluster.instances.map((instance) => ({
        instance: instance.name,
        count: instance.uncaught,
        samples: instance.uncaughtSamples,
      })),
      instanceStarts: cluster.instances.reduce((sum, instance) => sum + instance.starts.length, 0),
      redisStarts: cluster.redis.starts,
    };
  } finally {
    clearInterval(background);
    await Promise.all(senders.map((sender) => sender.stop()));
    await Promise.all(followers.map((follower) => follower.stop()));
    await cluster.dispose();
  }
}
