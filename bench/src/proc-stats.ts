/**
 * CPU time and resident memory of a process, read from /proc (Linux): utime + stime from
 * /proc/<pid>/stat, VmRSS from /proc/<pid>/status. CPU time has the kernel's tick resolution
 * (USER_HZ, 10 ms on Linux), so per-request figures come from runs of thousands of requests.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

function ticksPerSecond(): number {
  try {
    const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

const TICKS = ticksPerSecond();

/** CPU time (user + system) of `pid` in milliseconds; undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS : undefined;
}

/** Resident set size of `pid` in megabytes (MiB); undefined when it is gone. */
export function rssMb(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(text)?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

/** CPU milliseconds of each named process, for deltas around a run. */
export function cpuSnapshot(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = cpuMs(pid) ?? Number.NaN;
  return out;
}

/**
 * CPU microseconds per request of each process between two snapshots. The load generator's own
 * CPU is reported as "client" when `clientCpuMs` (from process.cpuUsage) is given.
 */
export function cpuPerRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(before)) {
    const delta = (after[name] ?? Number.NaN) - (before[name] ?? Number.NaN);
    out[name] = requests > 0 ? (delta * 1000) / requests : Number.NaN;
  }
  return out;
}

/**
 * Read-like and write-like system calls `pid` made so far (syscr, syscw of /proc/<pid>/io: read,
 * readv, recv…, write, writev, send…); undefined when it is gone or unreadable. Exact counts, so
 * calls per request are a noise-free measure of how a process batches its socket I/O.
 */
export function ioCalls(pid: number): { reads: number; writes: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, "utf8");
    const reads = Number(/^syscr:\s+(\d+)/m.exec(text)?.[1]);
    const writes = Number(/^syscw:\s+(\d+)/m.exec(text)?.[1]);
    return Number.isFinite(reads) && Number.isFinite(writes) ? { reads, writes } : undefined;
  } catch {
    return undefined;
  }
}

/** This process's CPU time in milliseconds (user + system), finer than /proc's ticks. */
export function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Samples the RSS of some processes every `intervalMs` while a load runs and keeps the peak of
 * each; `stop()` ends sampling (the timer is unref'd so it never holds the process open).
 */
export class RssSampler {
  readonly #pids: Record<string, number>;
  readonly #peaks: Record<string, number> = {};
  readonly #timer: NodeJS.Timeout;

  constructor(pids: Record<string, number>, intervalMs = 100) {
    this.#pids = pids;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling and returns the peak RSS (MiB) of each process. */
  stop(): Record<string, number> {
    clearInterval(this.#timer);
    this.#sample();
    return this.peaks();
  }

  /** The peak RSS (MiB) of each process so far. */
  peaks(): Record<string, number> {
    return { ...this.#peaks };
  }

  #sample(): void {
    for (const [name, pid] of Object.entries(this.#pids)) {
      const mb = rssMb(pid);
      if (mb !== undefined) this.#peaks[name] = Math.max(this.#peaks[name] ?? 0, mb);
    }
  }
}
