/**
 * The two runs of the delivery suite: the short one inside `npm test` (a few
 * hundred sends, each kind of fault the issue names at least once, well under
 * 90 s after the build) and the long one behind `npm run verify:delivery`
 * (at least 5,000 acknowledged sends and 16 faults in a few minutes).
 */
import type { FaultStep } from "./faults";
import type { ScenarioPlan } from "./scenario";

/**
 * The app processes' settings: limits that would get in the way of a
 * delivery test set generously (rate limits stay on, so their Redis counter
 * is part of what is tested; every client here comes from 127.0.0.1),
 * streams that end after 15 s so clients resume all the time anyway, and
 * pings every 2 s so a stalled stream shows.
 */
export const appEnv: Record<string, string> = {
  RATE_LIMIT_SEND: "1000000/60",
  RATE_LIMIT_SIGN_UP_IP: "10000/3600",
  RATE_LIMIT_SIGN_IN_IP: "10000/300",
  RATE_LIMIT_SIGN_IN: "10000/300",
  STREAMS_PER_USER: "1000",
  STREAMS_PER_TOKEN: "1000",
  STREAM_MAX_SECONDS: "15",
  STREAM_PING_SECONDS: "2",
};

type Settings = Omit<ScenarioPlan, "databaseServerUrl" | "log">;

const shortFaults: FaultStep[] = [
  { kind: "stream-aborts", share: 0.5, lateJoiners: 1 },
  { kind: "sigkill-one", instance: 0, downMs: 500 },
  { kind: "redis-restart", downMs: 1_500 },
  { kind: "db-storm", durationMs: 2_000, everyMs: 100 },
  { kind: "db-terminate", durationMs: 1_500, everyMs: 250 },
  { kind: "sigterm-one", instance: 1, downMs: 300 },
];

export const shortRun: Settings = {
  name: "short run (vitest)",
  senders: 4,
  subscribers: 3,
  lateSubscribers: 1,
  channels: 2,
  workload: {
    thinkMs: [20, 80],
    repeatRate: 0.08,
    pairRate: 0.05,
    abandonRate: 0.03,
    changeRate: 0.1,
    requestTimeoutMs: 5_000,
    giveUpMs: 30_000,
  },
  faults: shortFaults,
  calmMs: 1_500,
  minAcknowledgedSends: 300,
  maxLoadMs: 60_000,
  backgroundAbortEveryMs: 1_500,
  recoveryTimeoutMs: 30_000,
  quietTimeoutMs: 12_000,
  appEnv,
};

const longFaults: FaultStep[] = [
  { kind: "stream-aborts", share: 0.5, lateJoiners: 1 },
  { kind: "sigkill-one", instance: 0, downMs: 1_000 },
  { kind: "db-terminate", durationMs: 4_000, everyMs: 250 },
  { kind: "redis-restart", downMs: 3_000 },
  { kind: "sigterm-one", instance: 1, downMs: 500 },
  { kind: "db-storm", durationMs: 3_000, everyMs: 100 },
  { kind: "sigkill-both", downMs: 1_000 },
  { kind: "stream-aborts", share: 1, lateJoiners: 1 },
  { kind: "redis-restart", downMs: 12_000 },
  { kind: "sigkill-one", instance: 1, downMs: 3_000 },
  { kind: "db-storm", durationMs: 6_000, everyMs: 50 },
  { kind: "sigterm-one", instance: 0, downMs: 0 },
  { kind: "db-terminate", durationMs: 4_000, everyMs: 100 },
  { kind: "sigkill-both", downMs: 0 },
  { kind: "redis-outage-restart", instance: 1, downMs: 6_000 },
  { kind: "stream-aborts", share: 0.5, lateJoiners: 0 },
];

export const longRun: Settings = {
  name: "long run (npm run verify:delivery)",
  senders: 10,
  subscribers: 6,
  lateSubscribers: 2,
  channels: 3,
  workload: {
    thinkMs: [80, 240],
    repeatRate: 0.05,
    pairRate: 0.04,
    abandonRate: 0.02,
    changeRate: 0.1,
    requestTimeoutMs: 8_000,
    giveUpMs: 60_000,
  },
  faults: longFaults,
  calmMs: 6_000,
  minAcknowledgedSends: 6_000,
  maxLoadMs: 420_000,
  backgroundAbortEveryMs: 2_000,
  recoveryTimeoutMs: 60_000,
  quietTimeoutMs: 15_000,
  appEnv,
};
