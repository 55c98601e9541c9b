/**
 * A fixed-rate (open-loop) HTTP driver: request i is sent at start + i/rate whether or not earlier
 * ones have answered, so a slow or failing server cannot slow the offered load down (no
 * coordinated omission). Bounded: rate × duration requests, each with its own timeout.
 * Hand-written because autocannon's rate limiting is per connection and closed-loop, and its
 * latency histogram has 1 ms resolution; sub-millisecond overheads need microseconds.
 */
import { Pool } from "undici";
import type { HttpTarget } from "./http-target.js";
import { type RequestRecord, timedRequest } from "./timed-request.js";

export interface OpenLoopOptions {
  /** Requests per second. */
  rate: number;
  /** Milliseconds during which requests are sent. */
  durationMs: number;
  /** Per-request timeout in milliseconds. Defaults to 10 seconds. */
  timeoutMs?: number;
  /** Read the answer as a stream and time its first content chunk. Defaults to false. */
  stream?: boolean;
  /** Most connections opened. Defaults to 256. */
  connections?: number;
  /** Called every ~10 ms with the elapsed time, e.g. to kill a process mid-run. */
  onTick?: (elapsedMs: number) => void;
}

export async function openLoop(target: HttpTarget, options: OpenLoopOptions): Promise<RequestRecord[]> {
  const pool = new Pool(target.origin, { connections: options.connections ?? 256, pipelining: 1 });
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pending: Promise<RequestRecord>[] = [];
  const start = performance.now();
  try {
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - start;
        options.onTick?.(elapsed);
        while (pending.length < total && pending.length * interval <= elapsed) {
          pending.push(timedRequest(pool, target, start, timeoutMs, options.stream ?? false));
        }
        if (pending.length >= total) resolve();
        else setTimeout(tick, Math.min(10, Math.max(1, pending.length * interval - elapsed)));
      };
      tick();
    });
    return await Promise.all(pending);
  } finally {
    await pool.close();
  }
}
