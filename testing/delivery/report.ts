/** The figures of a delivery run, as Markdown for the console and docs/reliability.md. */
import type { ScenarioResult } from "./scenario";

const n = (value: number) => value.toLocaleString("en-US");
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function faultsByKind(result: ScenarioResult): string {
  const byKind = new Map<string, number>();
  for (const fault of result.faults) byKind.set(fault.kind, (byKind.get(fault.kind) ?? 0) + 1);
  return [...byKind].map(([kind, count]) => `${count} × ${kind}`).join(", ");
}

function longestRecovery(result: ScenarioResult) {
  let longest: ScenarioResult["faults"][number] | undefined;
  for (const fault of result.faults)
    if (fault.recoveryMs !== null && (!longest || fault.recoveryMs > (longest.recoveryMs ?? 0)))
      longest = fault;
  return longest;
}

export function formatResult(result: ScenarioResult): string {
  const { report } = result;
  const { sends, totals, changes } = report;
  const longest = longestRecovery(result);
  const lines = [
    `## ${result.name}: ${result.ok ? "PASSED" : "FAILED"} in ${s(result.wallMs)} (setup ${s(result.setupMs)}, load ${s(result.loadMs)})`,
    "",
    `- sends: ${n(sends.acknowledged)} acknowledged of ${n(sends.logical)} (${n(sends.attempts)} requests: ` +
      `${n(sends.repeatsAfterSuccess)} repeats after success, ${n(sends.pairs)} sent to both instances at once; ` +
      `${n(sends.abandoned)} cut off unanswered, of which ${n(sends.unacknowledgedStored)} stored; ${n(sends.gaveUp)} given up)`,
    `- changes: ${n(changes.requested)} edits, deletions and reactions asked for, ${n(changes.acknowledged)} acknowledged, ${n(changes.recorded)} recorded`,
    `- targets: ${report.targets.map((t) => `${t.key.split(":")[0]} ${n(t.lastSequence)} messages / ${n(t.lastRevision)} revisions`).join("; ")}`,
    `- faults: ${result.faults.length} (${faultsByKind(result)}), plus ${n(result.backgroundAborts)} single stream cuts; ` +
      `${result.instanceStarts} instance starts, ${result.redisStarts} Redis starts`,
    `- deliveries: ${n(totals.delivered)} events on ${result.streams} streams over ${n(totals.connections)} connections (expected ${n(totals.expected)}): ` +
      `lost ${totals.lost}, doubled ${totals.doubled}, out of order ${totals.outOfOrder}, mismatched ${totals.mismatched}, ` +
      `phantom ${totals.phantom}, id≠position ${totals.idMismatch}, sync gaps ${totals.syncGaps}, resets ${totals.resets}, closed ${totals.closed}`,
    `- longest recovery: ${longest ? `${s(longest.recoveryMs ?? 0)} after fault ${longest.index} (${longest.description})` : "none measured"}`,
    "",
    "| # | fault | what happened | active | caught up after injection | after its end | failed requests | longest gap between acknowledged sends | last to catch up | quiet probe via a / b | deaf topics |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...result.faults.map(
      (f) =>
        `| ${f.index} | ${f.description} | ${f.detail} | ${s(f.activeMs)} | ${f.recoveryMs === null ? "**never**" : s(f.recoveryMs)} | ${f.afterEndMs === null ? "—" : s(f.afterEndMs)} | ${n(f.failedRequests)} | ${s(f.longestSendGapMs)} | ${f.slowest} | ${f.quietMs.map((ms) => (ms === null ? "**never**" : `${n(ms)} ms`)).join(" / ")} | ${f.deafTopics} |`,
    ),
    "",
    "Failed requests during each fault (all retried):",
    ...result.faults.filter((f) => f.failedHow).map((f) => `- ${f.index}: ${f.failedHow}`),
    "",
    `Failed requests over the whole run: ${result.requestFailures.length === 0 ? "none" : result.requestFailures.map(([what, count]) => `${n(count)} × ${what}`).join("; ")}`,
    `Stream connections ended by: ${result.streamEnds.map(([reason, count]) => `${n(count)} × ${reason}`).join("; ")}`,
    `Server fault lines: ${result.serverFaultLines.map((line) => `${line.instance} ${n(line.lines)}`).join(", ")}`,
  ];
  if (result.findings.length > 0)
    lines.push(
      "",
      "**Findings** (no promise broken, but not right):",
      ...result.findings.map((f) => `- ${f}`),
    );
  for (const line of result.serverFaultLines)
    if (line.samples.length > 0)
      lines.push(
        "",
        `Server fault lines of instance ${line.instance} (first ${line.samples.length}):`,
        ...line.samples.map((sample) => `    ${sample.slice(0, 300)}`),
      );
  if (result.failures.length > 0)
    lines.push("", "**Failures:**", ...result.failures.map((f) => `- ${f}`));
  if (report.examples.length > 0)
    lines.push("", "Checker examples:", ...report.examples.map((e) => `- ${e}`));
  if (result.exposures.length > 0)
    lines.push("", "Exposed internals:", ...result.exposures.map((e) => `- ${e}`));
  if (result.refusals.length > 0)
    lines.push("", "Refusals:", ...result.refusals.map((e) => `- ${e}`));
  return lines.join("\n");
}
