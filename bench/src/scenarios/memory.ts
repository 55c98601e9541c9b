/**
 * Scenario 6 — memory: RSS (VmRSS) of the gateway and of each service when idle, and their peak
 * under a mixed load on all three agents at once.
 */
import { type RunContext, withRss } from "../context.js";
import { chatTarget } from "../load/http-target.js";
import { httpThroughput } from "../load/http-throughput.js";
import { rssMb } from "../proc-stats.js";
import type { MemoryResult } from "../results.js";
import type { GatewayChild, ServiceChild } from "../system/processes.js";

const MODELS = { claude: "claude:plan", gemini: "gemini:analyze", codex: "codex:execute" } as const;

export async function runMemory(
  ctx: RunContext,
  gateway: GatewayChild,
  services: readonly ServiceChild[],
): Promise<MemoryResult> {
  const pids: Record<string, number> = { gateway: gateway.pid };
  for (const s of services) pids[s.name] = s.pid;
  const targets = services.map((s) => chatTarget(s.name, gateway.url, MODELS[s.agent], false));
  // One request each, so idle means "started and answered once", not "never touched".
  for (const t of targets)
    await fetch(`${t.origin}${t.path}`, { method: "POST", headers: t.headers, body: t.body });
  const idleMb: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) idleMb[name] = rssMb(pid) ?? Number.NaN;
  ctx.log("memory: mixed load on every agent");
  const per = Math.max(1, Math.round(ctx.sizes.connections / targets.length));
  const { peaksMb } = await withRss(ctx, pids, () =>
    Promise.all(targets.map((t) => httpThroughput(t, per, ctx.sizes.throughputMs))),
  );
  return { idleMb, loadMb: peaksMb, gatewayPeakMb: 0 };
}
