/**
 * A fixed-concurrency (closed-loop) driver for any async call: `concurrency` workers each run
 * `call` back to back until `durationMs` has passed. Used for in-process clients (the gRPC and
 * JSON-RPC transports) and for concurrent SSE streams.
 */

export interface ClosedLoopResult {
  /** Calls that succeeded. */
  ok: number;
  /** Calls that failed (rejected or returned false). */
  failed: number;
  /** Seconds the run took. */
  seconds: number;
  /** Latency of each successful call, in milliseconds. */
  latenciesMs: number[];
  /** Per-call extra timings reported by `call` (e.g. time to first chunk), in milliseconds. */
  firstMs: number[];
  /** The first error seen, to explain failures. */
  firstError?: string;
}

/** What one call reports: success, and optionally a time to first result in ms. */
export type CallOutcome = boolean | { ok: boolean; firstMs?: number };

export async function closedLoop(
  concurrency: number,
  durationMs: number,
  call: () => Promise<CallOutcome>,
): Promise<ClosedLoopResult> {
  const result: ClosedLoopResult = { ok: 0, failed: 0, seconds: 0, latenciesMs: [], firstMs: [] };
  const start = performance.now();
  const until = start + durationMs;
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        const outcome = await call();
        const ok = typeof outcome === "boolean" ? outcome : outcome.ok;
        if (!ok) {
          result.failed++;
          continue;
        }
        result.ok++;
        result.latenciesMs.push(performance.now() - t0);
        if (typeof outcome === "object" && outcome.firstMs !== undefined)
          result.firstMs.push(outcome.firstMs);
      } catch (err) {
        result.failed++;
        result.firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.seconds = (performance.now() - start) / 1000;
  return result;
}
