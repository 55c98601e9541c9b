/**
 * The three HTTP measurements every path gets: throughput at fixed concurrency (with CPU per
 * request of each process), latency at a low fixed rate, and time to first streamed content.
 */
import type { RunContext } from "../context.js";
import { withRss } from "../context.js";
import type { HttpTarget } from "../load/http-target.js";
import { httpThroughput, type ThroughputResult } from "../load/http-throughput.js";
import { openLoop } from "../load/open-loop.js";
import { cpuPerRequest, cpuSnapshot, selfCpuMs } from "../proc-stats.js";
import { type LatencySummary, summarize } from "../stats.js";

export interface MeasuredThroughput extends ThroughputResult {
  cpuUsPerRequest: Record<string, number>;
  peaksMb: Record<string, number>;
}

/** Warms up, then runs at `connections` for the throughput time; CPU/request for `pids` and the client. */
export async function measureThroughput(
  ctx: RunContext,
  target: HttpTarget,
  pids: Record<string, number>,
  connections = ctx.sizes.connections,
  warm = true,
): Promise<MeasuredThroughput> {
  if (warm) await httpThroughput(target, connections, ctx.sizes.warmupMs);
  const before = cpuSnapshot(pids);
  const selfBefore = selfCpuMs();
  const { value, peaksMb } = await withRss(ctx, pids, () =>
    httpThroughput(target, connections, ctx.sizes.throughputMs),
  );
  const cpu = cpuPerRequest(before, cpuSnapshot(pids), value.ok);
  cpu.client = value.ok > 0 ? ((selfCpuMs() - selfBefore) * 1000) / value.ok : Number.NaN;
  return { ...value, cpuUsPerRequest: cpu, peaksMb };
}

/** Latency at the low fixed rate (open loop): the summary of successful requests, and failures. */
export async function measureLatency(
  ctx: RunContext,
  target: HttpTarget,
): Promise<{ latency: LatencySummary; failed: number }> {
  const records = await openLoop(target, { rate: ctx.sizes.latencyRate, durationMs: ctx.sizes.latencyMs });
  return {
    latency: summarize(records.filter((r) => r.ok).map((r) => r.latencyMs)),
    failed: records.filter((r) => !r.ok).length,
  };
}

/** Time to the first content chunk of a stream, at a low fixed rate. */
export async function measureFirstContent(
  ctx: RunContext,
  target: HttpTarget,
): Promise<{ firstContent: LatencySummary; failed: number; firstError?: string }> {
  const records = await openLoop(target, {
    rate: ctx.sizes.ttfbRate,
    durationMs: ctx.sizes.ttfbMs,
    stream: true,
  });
  const bad = records.find((r) => !r.ok);
  return {
    firstContent: summarize(
      records.flatMap((r) => (r.ok && r.firstContentMs !== undefined ? [r.firstContentMs] : [])),
    ),
    failed: records.filter((r) => !r.ok).length,
    ...(bad === undefined ? {} : { firstError: bad.error ?? `HTTP ${bad.status}` }),
  };
}
