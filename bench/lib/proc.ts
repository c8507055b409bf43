/**
 * CPU time of processes from /proc/<pid>/stat, so reading it costs the
 * measured processes nothing. Undefined where /proc is missing (not Linux)
 * or the process is gone.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

let ticksPerSecond: number | undefined;

function tickMicros(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return 1e6 / ticksPerSecond;
}

export interface CpuTimes {
  /** User + system time of the process itself (all its threads), µs. */
  self: number;
  /** User + system time of its children that have exited and were waited for, µs. */
  children: number;
  parentPid: number;
}

export function cpuTimes(pid: number): CpuTimes | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    const micros = tickMicros();
    return {
      parentPid: fields[1] as number,
      self: ((fields[11] as number) + (fields[12] as number)) * micros,
      children: ((fields[13] as number) + (fields[14] as number)) * micros,
    };
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a whole process tree one level deep, µs: the process, its live
 * children, and the children that already exited. A PostgreSQL server is
 * such a tree (the postmaster and one process per connection and per
 * background task), so the difference of two readings is everything the
 * server spent in between, also in connections that closed meanwhile.
 */
export function treeCpuMicros(pid: number): number | undefined {
  const root = cpuTimes(pid);
  if (!root) return undefined;
  let total = root.self + root.children;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const child = cpuTimes(Number(entry));
    if (child?.parentPid === pid) total += child.self;
  }
  return total;
}

/**
 * CPU time of every live thread of a process, µs, from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds on the CPU), for costs
 * smaller than /proc/<pid>/stat's clock ticks (10 ms) over a run — such as
 * what Redis adds per message. Threads that exited meanwhile are not
 * counted; those of Node.js and redis-server live as long as the process.
 */
export function threadCpuMicros(pid: number): number | undefined {
  try {
    let nanos = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const stat = fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8");
      nanos += Number(stat.split(" ")[0]);
    }
    return nanos / 1000;
  } catch {
    return undefined;
  }
}
