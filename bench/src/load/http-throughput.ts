/**
 * Throughput at fixed concurrency with autocannon (closed loop, keep-alive, no pipelining): how
 * many requests per second an endpoint completes with `connections` requests always in flight.
 * Latencies come from autocannon's per-response timings (fractional ms), not its 1 ms histogram.
 */
import autocannon from "autocannon";
import { type LatencySummary, summarize } from "../stats.js";
import type { HttpTarget } from "./http-target.js";

export interface ThroughputResult {
  /** Completed 2xx responses per second. */
  rps: number;
  /** Completed 2xx responses. */
  ok: number;
  /** Non-2xx answers, errors and timeouts. */
  failed: number;
  seconds: number;
  latency: LatencySummary;
}

export async function httpThroughput(
  target: HttpTarget,
  connections: number,
  durationMs: number,
): Promise<ThroughputResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: `${target.origin}${target.path}`,
        method: "POST",
        headers: target.headers,
        body: target.body,
        connections,
        pipelining: 1,
        // Stopped by the timer below; autocannon checks for the stop at each sample, so sample often.
        duration: durationMs / 1000 + 60,
        sampleInt: 50,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  const timer = setTimeout(() => instance?.stop(), durationMs);
  instance?.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
    } else {
      failed++;
    }
  });
  const result = await done.finally(() => clearTimeout(timer));
  const seconds = (performance.now() - started) / 1000;
  failed += result.errors + result.timeouts;
  return { rps: ok / seconds, ok, failed, seconds, latency: summarize(latencies) };
}
