/**
 * Scenario 4 — the resilience chain on versus off: two gateways over the same sim service, one
 * with SYNAPSE_GATEWAY_RESILIENCE=off (balancer pick, then the pooled transport directly).
 * Throughput at fixed concurrency, latency at a low fixed rate, gateway CPU per request.
 */
import { type RunContext, repeated } from "../context.js";
import { chatTarget } from "../load/http-target.js";
import type { ResilienceRow } from "../results.js";
import type { LatencySummary } from "../stats.js";
import { type GatewayChild, type ServiceChild, startGateway } from "../system/processes.js";
import { measureLatency, measureThroughput } from "./http-measure.js";

export async function runResilience(
  ctx: RunContext,
  on: GatewayChild,
  replicas: readonly ServiceChild[],
): Promise<ResilienceRow[]> {
  const off = await startGateway("gateway-off", { ...ctx.env, SYNAPSE_GATEWAY_RESILIENCE: "off" }, replicas);
  ctx.pids.push(off.pid);
  const service = replicas.find((r) => r.agent === "claude")!;
  const gateways = [
    { resilience: "on" as const, gateway: on },
    { resilience: "off" as const, gateway: off },
  ];
  const runs = gateways.map(() => ({
    rps: [] as number[],
    latency: undefined as LatencySummary | undefined,
    cpu: {} as Record<string, number>,
    failed: 0,
  }));
  try {
    for (let round = 0; round < ctx.sizes.repeats; round++) {
      for (const [i, g] of gateways.entries()) {
        const run = runs[i]!;
        ctx.log(
          `resilience ${g.resilience}: throughput and latency (round ${round + 1}/${ctx.sizes.repeats})`,
        );
        const target = chatTarget(`resilience-${g.resilience}`, g.gateway.url, "claude:plan", false);
        const t = await measureThroughput(ctx, target, { gateway: g.gateway.pid, service: service.pid });
        run.rps.push(t.rps);
        run.cpu = t.cpuUsPerRequest;
        run.failed += t.failed;
        const l = await measureLatency(ctx, target);
        run.latency = l.latency;
        run.failed += l.failed;
      }
    }
  } finally {
    await off.stop();
  }
  return gateways.map((g, i) => {
    const run = runs[i]!;
    return {
      resilience: g.resilience,
      rps: repeated(run.rps),
      latency: run.latency!,
      cpuUsPerRequest: run.cpu,
      failed: run.failed,
    };
  });
}
