/**
 * Figures and the report: every figure keeps its raw per-run values and
 * their median; a target, when it has one, says whether the median meets it.
 * Written to bench/results/ as JSON (everything) and a Markdown table
 * (figure | value | target | met?), with a timestamped copy of each, and
 * into the marked section of docs/performance.md after a full run.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { median, round } from "./stats";

export interface Target {
  /** As printed, e.g. "≥ 0.6 × pgbench". */
  text: string;
  op: ">=" | "<=" | "==";
  value: number;
}

export interface Figure {
  id: string;
  scenario: string;
  label: string;
  unit: string;
  /** One value per run. */
  runs: number[];
  /** The median of the runs. */
  value: number;
  /** Extra detail printed beside the value, e.g. "p50 4.1 ms · p99 12 ms". */
  detail?: string;
  target?: Target & { met: boolean };
  note?: string;
}

export interface Results {
  startedAt: string;
  finishedAt?: string;
  durationSeconds?: number;
  command: string;
  options: Record<string, unknown>;
  machine: Record<string, unknown>;
  figures: Figure[];
  /** Raw measurements of every run, per scenario. */
  raw: Record<string, unknown[]>;
  notes: string[];
  anomalies: string[];
  skipped: string[];
}

export function meets(target: Target, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (target.op === ">=") return value >= target.value;
  if (target.op === "<=") return value <= target.value;
  return value === target.value;
}

export class Recorder {
  readonly results: Results;

  constructor(command: string, options: Record<string, unknown>, machine: Record<string, unknown>) {
    this.results = {
      startedAt: new Date().toISOString(),
      command,
      options,
      machine,
      figures: [],
      raw: {},
      notes: [],
      anomalies: [],
      skipped: [],
    };
  }

  figure(input: Omit<Figure, "value" | "target"> & { target?: Target; value?: number }): Figure {
    const value = input.value ?? median(input.runs);
    const figure: Figure = {
      ...input,
      runs: input.runs.map(round),
      value: round(value),
      target: input.target ? { ...input.target, met: meets(input.target, value) } : undefined,
    };
    this.results.figures.push(figure);
    return figure;
  }

  raw(scenario: string, entry: unknown) {
    const list = this.results.raw[scenario] ?? [];
    list.push(entry);
    this.results.raw[scenario] = list;
  }

  note(text: string) {
    this.results.notes.push(text);
  }

  anomaly(text: string) {
    this.results.anomalies.push(text);
  }

  skip(text: string) {
    this.results.skipped.push(text);
  }
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const rounded = round(value);
  return Math.abs(rounded) >= 1000 ? rounded.toLocaleString("en-US") : String(rounded);
}

export function formatValue(figure: Figure): string {
  const unit = figure.unit ? ` ${figure.unit}` : "";
  const value = `${formatNumber(figure.value)}${unit}`;
  return figure.detail ? `${value} (${figure.detail})` : value;
}

export function verdict(figure: Figure): string {
  if (!figure.target) return "";
  if (!Number.isFinite(figure.value)) return "not measured";
  return figure.target.met ? "yes" : "**no — missed**";
}

const escapeCell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function markdownTable(results: Results): string {
  const lines = ["| figure | value | target | met? |", "|---|---|---|---|"];
  for (const figure of results.figures) {
    lines.push(
      `| ${escapeCell(figure.label)} | ${escapeCell(formatValue(figure))} | ${escapeCell(figure.target?.text ?? "")} | ${verdict(figure)} |`,
    );
  }
  return lines.join("\n");
}

export function markdownReport(results: Results): string {
  const machine = results.machine;
  const parts = [
    `Run of ${results.startedAt} (\`${results.command}\`, ${formatNumber(results.durationSeconds ?? Number.NaN)} s), ` +
      `${machine.cpu} × ${machine.cores}, ${machine.memory}, Node ${machine.node}, ${machine.database}; ` +
      `source ${machine.commit}. Each value is the median of ${results.options.runs} run(s); ` +
      "ratios are medians of per-run ratios of interleaved runs.",
    "",
    markdownTable(results),
  ];
  const missed = results.figures.filter((figure) => figure.target && !figure.target.met);
  if (missed.length > 0) {
    parts.push("", `**Missed targets (${missed.length}):**`, "");
    for (const figure of missed)
      parts.push(`- ${figure.label}: ${formatValue(figure)}, target ${figure.target?.text}`);
  }
  if (results.skipped.length > 0) {
    parts.push("", "**Skipped:**", "", ...results.skipped.map((line) => `- ${line}`));
  }
  if (results.anomalies.length > 0) {
    parts.push("", "**Anomalies:**", "", ...results.anomalies.map((line) => `- ${line}`));
  }
  if (results.notes.length > 0) {
    parts.push("", "**Notes:**", "", ...results.notes.map((line) => `- ${line}`));
  }
  return `${parts.join("\n")}\n`;
}

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

/** Writes the results; returns the files written. */
export function writeResults(
  root: string,
  results: Results,
  options: { updateDocs: boolean; updateLatest: boolean },
): string[] {
  const dir = path.join(root, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const markdown = markdownReport(results);
  const written: string[] = [];
  const files: [string, string][] = [
    [`${stamp}.json`, json],
    [`${stamp}.md`, markdown],
  ];
  if (options.updateLatest) files.unshift(["latest.json", json], ["latest.md", markdown]);
  for (const [name, content] of files) {
    const file = path.join(dir, name);
    // Written whole, then renamed, so a reader never sees half a file.
    fs.writeFileSync(`${file}.tmp`, content);
    fs.renameSync(`${file}.tmp`, file);
    written.push(path.relative(root, file));
  }
  if (options.updateDocs) {
    const docs = path.join(root, "docs", "performance.md");
    if (fs.existsSync(docs)) {
      const text = fs.readFileSync(docs, "utf8");
      const start = text.indexOf(START);
      const end = text.indexOf(END);
      if (start >= 0 && end > start) {
        fs.writeFileSync(
          docs,
          `${text.slice(0, start + START.length)}\n${markdown}${text.slice(end)}`,
        );
        // The repository's formatter aligns Markdown tables; leave the page as `npm run lint` wants it.
        try {
          execFileSync(
            path.join(root, "node_modules", ".bin", "biome"),
            ["format", "--write", docs],
            {
              stdio: "ignore",
            },
          );
        } catch {
          // Unformatted is still correct; `npm run format` fixes it.
        }
        written.push(path.relative(root, docs));
      }
    }
  }
  return written;
}
