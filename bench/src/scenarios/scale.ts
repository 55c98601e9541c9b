/**
 * Scenario 7 — scale: throughput and p99 through the gateway with 1, 2 and 4 sim replicas (no
 * latency), and 10, 100 and 1,000 concurrent streams against a sim paced like a model (time to
 * first token and tokens per second), so that the streams really are open at the same time.
 */
import { Pool } from "undici";
import { type RunContext, withRss } from "../context.js";
import { closedLoop } from "../load/closed-loop.js";
import { chatTarget } from "../load/http-target.js";
import { timedRequest } from "../load/timed-request.js";
import type { ScaleResult } from "../results.js";
import { summarize } from "../stats.js";
import { fallbacksSoFar } from "../system/gateway-fallbacks.js";
import { type GatewayChild, type ServiceChild, startGateway } from "../system/processes.js";
import { measureThroughput } from "./http-measure.js";

/** `single` is a running gateway over claude[0] alone, reused for the one-replica case. */
export async function runScaleReplicas(
  ctx: RunContext,
  claude: readonly ServiceChild[],
  others: readonly ServiceChild[],
  single: GatewayChild,
): Promise<ScaleResult["replicas"]> {
  const out: ScaleResult["replicas"] = [];
  for (const n of ctx.sizes.scaleReplicas) {
    const gateway =
      n === 1 ? single : await startGateway(`gateway-${n}r`, ctx.env, [...claude.slice(0, n), ...others]);
    if (gateway !== single) ctx.pids.push(gateway.pid);
    try {
      ctx.log(`scale: ${n} replica(s)`);
      const pids: Record<string, number> = { gateway: gateway.pid };
      for (const s of claude.slice(0, n)) pids[s.name] = s.pid;
      const t = await measureThroughput(ctx, chatTarget(`${n}r`, gateway.url, "claude:plan", false), pids);
      out.push({ replicas: n, rps: t.rps, latency: t.latency, failed: t.failed });
    } finally {
      if (gateway !== single) await gateway.stop();
    }
  }
  return out;
}

/** Streams through a new gateway over `paced`, or through `existing` (smoke) when `paced` is undefined. */
export async function runScaleStreams(
  ctx: RunContext,
  paced: ServiceChild | undefined,
  others: readonly ServiceChild[],
  existing: GatewayChild,
): Promise<ScaleResult["streams"]> {
  const gateway =
    paced === undefined ? existing : await startGateway("gateway-streams", ctx.env, [paced, ...others]);
  if (gateway !== existing) ctx.pids.push(gateway.pid);
  const pids: Record<string, number> = { gateway: gateway.pid };
  if (paced !== undefined) pids.service = paced.pid;
  const out: ScaleResult["streams"] = [];
  const target = chatTarget("streams", gateway.url, "claude:plan", true);
  try {
    for (const concurrency of ctx.sizes.scaleStreams) {
      ctx.log(`scale: ${concurrency} concurrent streams`);
      const pool = new Pool(gateway.url, { connections: concurrency, pipelining: 1 });
      let firstError: string | undefined;
      try {
        const fallbacksBefore = await fallbacksSoFar(gateway.url);
        const start = performance.now();
        const { value } = await withRss(ctx, pids, () =>
          closedLoop(concurrency, ctx.sizes.streamsMs, async () => {
            const r = await timedRequest(pool, target, start, 30_000, true);
            if (!r.ok) firstError ??= r.error ?? `HTTP ${r.status}`;
            return r.ok
              ? { ok: true, ...(r.firstContentMs === undefined ? {} : { firstMs: r.firstContentMs }) }
              : false;
          }),
        );
        out.push({
          concurrency,
          streamsPerSecond: value.ok / value.seconds,
          firstContent: summarize(value.firstMs),
          total: summarize(value.latenciesMs),
          failed: value.failed,
          fallbacks: (await fallbacksSoFar(gateway.url)) - fallbacksBefore,
          ...(firstError === undefined ? {} : { firstError }),
        });
      } finally {
        await pool.close();
      }
    }
  } finally {
    if (gateway !== existing) await gateway.stop();
  }
  return out;
}
