/**
 * The benchmark's orchestration: flags, the production build, the bench
 * database and its seed, the app server, the scenarios in order, cleanup
 * (also on Ctrl+C), and the report. Usage:
 *
 *   npm run bench                      every scenario, 3 runs per figure (about 12 minutes)
 *   npm run bench -- --quick           1 shorter run per figure, smaller fan-out (development)
 *   npm run bench -- --only send,reads only these scenarios
 *   npm run bench -- --runs 5          runs per figure
 *   npm run bench -- --sse identity    streams without Accept-Encoding (default: as browsers send it)
 *   npm run bench -- --profile         CPU-profile the app server and summarize where its time went
 *   npm run bench -- --entry next      the app under plain `next start` (default: the Node server of npm start)
 *   npm run bench -- --instances 2     send and fan-out also on 2 instances behind a balancer with Redis, side by side with 1
 *
 * Scenarios: send (with pgbench beside it), fanout, resume, reads, search, client, startup.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { env } from "@/lib/env";
import { ensureProductionBuild } from "@/scripts/build";
import { AppHandle, type BenchContext, now, type Options } from "./lib/context";
import { type BenchDatabase, createBenchDatabase } from "./lib/database";
import { sweepLeftovers } from "./lib/leftovers";
import { findPgbench, pgbenchVersion } from "./lib/pgbench";
import { formatValue, markdownTable, Recorder, verdict, writeResults } from "./lib/report";
import { seedFixture } from "./lib/seed";
import { clientScenario } from "./scenarios/client";
import { fanoutScenario } from "./scenarios/fanout";
import { readsScenario } from "./scenarios/reads";
import { resumeScenario } from "./scenarios/resume";
import { searchScenario } from "./scenarios/search";
import { sendScenario } from "./scenarios/send";
import { startupScenario } from "./scenarios/startup";

const SCENARIOS = ["send", "fanout", "resume", "reads", "search", "client", "startup"] as const;
type Scenario = (typeof SCENARIOS)[number];

function usage(problem?: string): never {
  if (problem) console.error(problem);
  console.error(
    "usage: npm run bench -- [--quick] [--only send,fanout,resume,reads,startup] [--runs N] [--sse browser|identity] [--profile] [--entry node|next] [--instances N]",
  );
  process.exit(problem ? 2 : 0);
}

function parseOptions(argv: string[]): Options {
  let quick = false;
  let only: Set<string> | undefined;
  let runs: number | undefined;
  let sseEncoding: Options["sseEncoding"] = "browser";
  let profile = false;
  let entry: Options["entry"] = "node";
  let instances = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = () => {
      const next = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (next === undefined) usage(`${arg} needs a value`);
      return next;
    };
    if (arg === "--quick") quick = true;
    else if (arg === "--profile") profile = true;
    else if (arg === "--help" || arg === "-h") usage();
    else if (arg.startsWith("--only")) {
      only = new Set(
        value()
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      );
      for (const name of only)
        if (!SCENARIOS.includes(name as Scenario))
          usage(`unknown scenario "${name}"; choose from ${SCENARIOS.join(", ")}`);
    } else if (arg.startsWith("--runs")) {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) usage("--runs takes a whole number ≥ 1");
    } else if (arg.startsWith("--sse")) {
      const encoding = value();
      if (encoding !== "browser" && encoding !== "identity") usage("--sse is browser or identity");
      sseEncoding = encoding;
    } else if (arg.startsWith("--entry")) {
      const chosen = value();
      if (chosen !== "node" && chosen !== "next") usage("--entry is node or next");
      entry = chosen;
    } else if (arg.startsWith("--instances")) {
      instances = Number(value());
      if (!Number.isInteger(instances) || instances < 1 || instances > 8)
        usage("--instances takes a whole number from 1 to 8");
    } else usage(`unknown argument ${arg}`);
  }
  return {
    quick,
    runs: runs ?? (quick ? 1 : 3),
    only,
    sendSeconds: quick ? 2 : 4,
    warmupSeconds: quick ? 0.5 : 1,
    concurrencies: [1, 8, 16, 32, 64],
    spreadChannels: 1000,
    fanoutSizes: quick ? [100, 1000] : [100, 1000, 5000],
    fanoutSeconds: quick ? 3 : 5,
    stormSubscribers: 1000,
    stormMessages: 500,
    historyMessages: 1_000_000,
    listChannels: 500,
    readRequests: quick ? 50 : 200,
    sseEncoding,
    entry,
    instances,
    profileDir: profile ? path.join(process.cwd(), "bench", "results", "profiles") : undefined,
  };
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

async function main() {
  const root = process.cwd();
  if (!fs.existsSync(path.join(root, "bench", "main.ts"))) {
    usage("run the benchmark from the repository root (npm run bench)");
  }
  const options = parseOptions(process.argv.slice(2));
  const wanted = (scenario: Scenario) => !options.only || options.only.has(scenario);
  const began = now();
  const stamp = () => {
    const seconds = Math.floor((now() - began) / 1000);
    return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
  };
  const log = (line: string) => console.log(`[${stamp()}] ${line}`);

  const commit = git(root, ["rev-parse", "--short", "HEAD"]);
  const dirty = git(root, ["status", "--porcelain"]) !== "";
  const pgbench = findPgbench();
  const machine: Record<string, unknown> = {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown CPU",
    cores: os.cpus().length,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    commit: `${commit || "unknown"}${dirty ? " + uncommitted changes" : ""}`,
    pgbench: pgbench ? pgbenchVersion(pgbench) : "not installed",
  };
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const recorder = new Recorder(
    command,
    { ...options, only: options.only ? [...options.only] : "all" },
    machine,
  );

  // Cleanup, newest first; also on Ctrl+C and SIGTERM.
  const cleanups = new Set<() => Promise<void>>();
  const register = (stop: () => Promise<void>) => {
    cleanups.add(stop);
    return () => {
      cleanups.delete(stop);
    };
  };
  const cleanUp = async () => {
    for (const stop of [...cleanups].reverse()) {
      cleanups.delete(stop);
      await stop().catch((error: unknown) => console.error("cleanup:", error));
    }
  };
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.log(`\n${signal}: stopping the server and removing the benchmark database…`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  log(
    `Sequent benchmark${options.quick ? " (quick)" : ""}: ${[...SCENARIOS].filter(wanted).join(", ")}; ` +
      `${options.runs} run(s) per figure; ${machine.cores} × ${machine.cpu}, load ${(machine.loadAverageAtStart as number[]).join(" ")}`,
  );
  if (!pgbench) {
    log(
      "pgbench is not installed (Debian: apt-get install postgresql-client): its figures are skipped",
    );
  }

  const swept = await sweepLeftovers();
  if (swept > 0) log(`removed ${swept} temporary folder(s) left by earlier runs that were killed`);

  let failed = false;
  let database: BenchDatabase | undefined;
  try {
    if (SCENARIOS.some((s) => s !== "startup" && wanted(s))) {
      log(`checking the production build in ${env().SEQUENT_BUILD_DIR ?? ".next"}…`);
      const built = ensureProductionBuild();
      log(built ? "built" : "the build is current");

      log("creating the benchmark database…");
      database = await createBenchDatabase(() => {});
      register(async () => database?.dispose());
      machine.database = database.description;
      log(`database: ${database.description}`);
      const pool = new pg.Pool({ connectionString: database.url, max: 4 });
      register(() => pool.end());
      const seedStart = now();
      const fixture = await seedFixture(pool, {
        senders: Math.max(...options.concurrencies),
        subscribers: 20,
        spreadChannels: options.spreadChannels,
      });
      log(
        `seeded ${fixture.senders.length} senders with API tokens, ${options.spreadChannels + 3} channels, ` +
          `${fixture.subscribers.length} subscribers in ${Math.round(now() - seedStart)} ms`,
      );
      if (options.profileDir) {
        fs.mkdirSync(options.profileDir, { recursive: true });
        log(
          `profiling the app server into ${path.relative(root, options.profileDir)} (figures of this run are slowed by it)`,
        );
      }
      const app = new AppHandle(database.url, recorder, log, options);
      register(() => app.stop());
      const ctx: BenchContext = {
        options,
        root,
        recorder,
        database,
        pool,
        fixture,
        pgbench,
        log,
        app: () => app.get(),
        restartApp: (label, layout) => app.restart(label, layout),
        restartApps: (label, layouts) => app.restartMany(label, layouts),
        stopApp: () => app.stop(),
      };
      const scenarios: [Scenario, (ctx: BenchContext) => Promise<void>][] = [
        ["send", sendScenario],
        ["fanout", fanoutScenario],
        ["resume", resumeScenario],
        ["reads", readsScenario],
        ["search", searchScenario],
        ["client", clientScenario],
        ["startup", (c) => startupScenario(c, register)],
      ];
      for (const [name, scenario] of scenarios) {
        if (!wanted(name)) continue;
        log(`— ${name} —`);
        try {
          await scenario(ctx);
        } catch (error) {
          failed = true;
          recorder.anomaly(`scenario ${name} failed: ${(error as Error).stack ?? error}`);
          log(`scenario ${name} failed: ${(error as Error).message}`);
        }
      }
    } else {
      machine.database = "embedded PostgreSQL (inside the copy)";
      log("— startup —");
      const ctx = {
        options,
        root,
        recorder,
        log,
        stopApp: async () => {},
      } as unknown as BenchContext;
      await startupScenario(ctx, register).catch((error: unknown) => {
        failed = true;
        recorder.anomaly(`scenario startup failed: ${(error as Error).stack ?? error}`);
      });
    }
  } catch (error) {
    failed = true;
    recorder.anomaly(`benchmark failed: ${(error as Error).stack ?? error}`);
    console.error(error);
  } finally {
    log("cleaning up…");
    await cleanUp();
  }

  const results = recorder.results;
  results.finishedAt = new Date().toISOString();
  results.durationSeconds = Math.round((now() - began) / 1000);
  const written = writeResults(root, results, {
    // With --instances, send and fan-out are a comparison of layouts, not the page's figures.
    updateDocs:
      !options.quick &&
      !options.only &&
      !options.profileDir &&
      options.runs >= 3 &&
      options.instances === 1,
    // A profiled server is slower: its figures go only into the timestamped copy.
    updateLatest: !options.profileDir,
  });

  console.log("");
  console.log(markdownTable(results));
  const missed = results.figures.filter((f) => f.target && !f.target.met);
  console.log("");
  for (const figure of missed) {
    console.log(
      `MISSED: ${figure.label}: ${formatValue(figure)} — target ${figure.target?.text} (${verdict(figure)})`,
    );
  }
  for (const line of results.skipped) console.log(`SKIPPED: ${line}`);
  for (const line of results.anomalies) console.log(`ANOMALY: ${line}`);
  console.log(
    `\n${results.figures.length} figures, ${missed.length} target(s) missed, ${results.anomalies.length} anomalies; ` +
      `${results.durationSeconds} s in all. Written: ${written.join(", ")}`,
  );
  process.exit(failed ? 1 : 0);
}

await main();
