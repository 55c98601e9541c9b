/** Helpers for tests that run real processes: liveness, waiting for lines, clean environments. */
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Whether `pid` is a live process. process.kill(pid, 0) alone also succeeds for a zombie (an
 * exited process nobody has reaped yet, which is what an orphan is until init reaps it), so
 * on Linux the state in /proc decides.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/**
 * Resolves once `condition` holds, checking every 20 ms; rejects after `timeoutMs`. This waits
 * for a fact other processes make true (a process exiting), not for time to pass.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/** Collects a stream's lines and lets a test wait for one. */
export class LineWatcher {
  readonly lines: string[] = [];
  private partial = "";
  private waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(stream: Readable) {
    stream.setEncoding("utf8");
    stream.on("data", (data: string) => {
      const parts = (this.partial + data).split("\n");
      this.partial = parts.pop() ?? "";
      for (const line of parts) this.add(line);
    });
  }

  get text(): string {
    return this.lines.map((l) => `${l}\n`).join("") + this.partial;
  }

  /** The first line (seen or to come) that passes `test`. */
  waitFor(test: (line: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}:\n${this.text}`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  private add(line: string): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }
}

/** JSON log records among `lines` (others skipped). */
export function records(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === "object" && value !== null ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** This process's environment without SYNAPSE_* variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("SYNAPSE_")) env[key] = value;
  return { ...env, ...extra };
}
