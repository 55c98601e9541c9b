/** Shared helpers for the executor tests: a temp root, a fake clock, waiting for a file. */
import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "@synapse/core";

/** A temporary directory removed by `cleanup`. */
export function tempRoot(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "synapse-exec-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock that only moves when told; `pending` lists the delays of timers not yet fired. */
export class FakeClock implements Clock {
  private t = 0;
  private timers: { at: number; ms: number; fn: () => void }[] = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  get pending(): number[] {
    return this.timers.map((x) => x.ms);
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.fn();
  }
}

/**
 * Resolves with the content of `dir/name` once it exists. Event-driven (fs.watch) rather than
 * polling; the writer should create the file atomically (write elsewhere, then rename).
 */
export function waitForFile(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  return new Promise((resolve) => {
    let done = false;
    const watcher = watch(dir, () => check());
    const check = () => {
      if (done || !existsSync(path)) return;
      done = true;
      watcher.close();
      resolve(readFileSync(path, "utf8"));
    };
    check();
  });
}

const SIGKILL_BIT = 1n << 8n; // signal 9 is bit 8 of the pending-signal masks
const PF_EXITING = 0x4;

/**
 * Whether process `pid` still lives on. A process that is gone, a zombie, already exiting, or
 * has SIGKILL pending (it cannot survive it) counts as dead — so right after a group kill the
 * answer is exact, with no waiting for the kernel to finish tearing processes down.
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return false;
  }
  // Fields after the parenthesised command name: state is the first, flags the seventh.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return false;
  if ((Number(fields[6]) & PF_EXITING) !== 0) return false;
  for (const mask of status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)) {
    if ((BigInt(`0x${mask[1]}`) & SIGKILL_BIT) !== 0n) return false;
  }
  return true;
}
