/**
 * `--profile`: the app server runs with V8's CPU profiler (`--cpu-prof`),
 * writes a .cpuprofile when it stops, and this summary says where its CPU
 * time went — by package (next, react-dom, drizzle-orm, pg, zod, our own
 * code, GC) and by function (self time) — so a missed target comes with what
 * bounds it. Profiling slows the server: figures of a profiled run are not
 * comparable with others.
 */
import fs from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  /** Busy time sampled (idle excluded), ms. */
  busyMs: number;
  byPackage: { name: string; percent: number }[];
  byFunction: { name: string; percent: number }[];
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    const name = rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
    // Next's server bundles carry React and friends inside next/dist/compiled.
    const compiled = url.indexOf("next/dist/compiled/");
    if (name === "next" && compiled >= 0) {
      return `next (compiled ${url.slice(compiled + 19).split("/")[0]})`;
    }
    return name;
  }
  if (url.startsWith("node:")) return "node (core)";
  if (url.includes("/.next")) return "app (server bundle)";
  return url.replace(/^file:\/\//, "");
}

function top(map: Map<string, number>, total: number, count: number) {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => ({ name, percent: Math.round((time / total) * 1000) / 10 }));
}

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, time] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busy += time;
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + time);
    const where = url ? ` ${path.basename(url)}:${lineNumber + 1}` : "";
    const name = `${functionName || "(anonymous)"}${where} [${pkg}]`;
    functions.set(name, (functions.get(name) ?? 0) + time);
  }
  return {
    file,
    busyMs: Math.round(busy / 1000),
    byPackage: top(packages, busy, 10),
    byFunction: top(functions, busy, 15),
  };
}

/** Profiles written into `dir` since `since` (ms epoch). */
export function newProfiles(dir: string, since: number): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => path.join(dir, name))
    .filter((file) => fs.statSync(file).mtimeMs >= since);
}

export function formatSummary(label: string, summary: ProfileSummary): string {
  const packages = summary.byPackage.map((p) => `${p.name} ${p.percent}%`).join(", ");
  const functions = summary.byFunction
    .slice(0, 8)
    .map((f) => `${f.name} ${f.percent}%`)
    .join("; ");
  return `profile of the app server during ${label} (${summary.busyMs} ms busy; ${path.basename(summary.file)}): by package: ${packages}. Top functions (self time): ${functions}.`;
}
