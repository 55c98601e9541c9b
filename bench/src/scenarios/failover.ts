/**
 * Scenario 5 — failover: a fixed 200 req/s (open loop) through the gateway to three sim
 * replicas; one is SIGKILLed mid-run and restarted once the gateway has taken it out. Counts
 * failed requests and answers given by the fallback, the p99 while the replica is away, and — from the gateway's /health, polled
 * every 50 ms — how long until it is out (unhealthy or ejected) and how long after its restart
 * until it is healthy and back in rotation.
 */
import type { RunContext } from "../context.js";
import { chatTarget } from "../load/http-target.js";
import { openLoop } from "../load/open-loop.js";
import type { FailoverResult } from "../results.js";
import { percentile, summarize } from "../stats.js";
import { fallbacksSoFar } from "../system/gateway-fallbacks.js";
import { type ServiceChild, startGateway, startService } from "../system/processes.js";

interface ReplicaState {
  endpoint: string;
  healthy: boolean;
  ejected: boolean;
}

async function replicaState(url: string, endpoint: string): Promise<ReplicaState | undefined> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { agents?: { claude?: { replicas?: ReplicaState[] } } };
    return body.agents?.claude?.replicas?.find((r) => r.endpoint === endpoint);
  } catch {
    return undefined;
  }
}

/** `claude` holds the replicas; the killed one is replaced in it by its restarted process. */
export async function runFailover(
  ctx: RunContext,
  claude: ServiceChild[],
  others: readonly ServiceChild[],
): Promise<FailoverResult> {
  const { rate, replicas, durationMs, killAtMs } = ctx.sizes.failover;
  const pool = claude.slice(0, replicas);
  const gateway = await startGateway("gateway-failover", ctx.env, [...pool, ...others]);
  ctx.pids.push(gateway.pid);
  const victimIndex = 1;
  const victim = pool[victimIndex]!;
  const endpoint = `claude#${victimIndex}`;
  const target = chatTarget("failover", gateway.url, "claude:plan", false);
  let killAt: number | undefined;
  let ejectedAt: number | undefined;
  let restartedAt: number | undefined;
  let servingAt: number | undefined;
  let done = false;
  try {
    ctx.log(`failover: warm-up, then ${rate} req/s for ${durationMs} ms over ${replicas} replicas`);
    await openLoop(target, { rate, durationMs: Math.min(1_000, ctx.sizes.warmupMs * 2) });
    const fallbacksBefore = await fallbacksSoFar(gateway.url);
    const start = performance.now();
    const watcher = (async () => {
      while (!done) {
        await new Promise((r) => setTimeout(r, 50));
        if (killAt === undefined) continue;
        const state = await replicaState(gateway.url, endpoint);
        const now = performance.now() - start;
        const out = state === undefined || !state.healthy || state.ejected;
        if (ejectedAt === undefined && out) {
          ejectedAt = now;
          ctx.log(`failover: ${endpoint} out after ${Math.round(now - killAt)} ms; restarting it`);
          const restarted = await startService("claude", victimIndex, ctx.env, {
            grpc: victim.grpcPort,
            tcp: victim.tcpPort,
            metrics: victim.metricsPort,
          });
          ctx.pids.push(restarted.pid);
          claude[victimIndex] = restarted;
          restartedAt = performance.now() - start;
        } else if (restartedAt !== undefined && servingAt === undefined && !out) {
          servingAt = now;
          ctx.log(`failover: ${endpoint} serving again ${Math.round(now - restartedAt)} ms after restart`);
        }
      }
    })();
    const records = await openLoop(target, {
      rate,
      durationMs,
      timeoutMs: 15_000,
      onTick: (elapsed) => {
        if (killAt === undefined && elapsed >= killAtMs) {
          killAt = elapsed;
          ctx.log(`failover: SIGKILL ${endpoint} (pid ${victim.pid})`);
          void victim.kill();
        }
      },
    });
    done = true;
    await watcher;
    const fallbacks = (await fallbacksSoFar(gateway.url)) - fallbacksBefore;
    const failed = records.filter((r) => !r.ok);
    const during = records.filter(
      (r) =>
        r.ok && killAt !== undefined && r.at >= killAt && r.at <= (servingAt ?? Number.POSITIVE_INFINITY),
    );
    const sorted = during.map((r) => r.latencyMs).sort((a, b) => a - b);
    return {
      rate,
      replicas,
      sent: records.length,
      failed: failed.length,
      fallbacks,
      firstErrors: [...new Set(failed.map((r) => r.error ?? `HTTP ${r.status}`))].slice(0, 3),
      p99AllMs: summarize(records.filter((r) => r.ok).map((r) => r.latencyMs)).p99,
      p99DuringMs: percentile(sorted, 99),
      ejectedAfterMs: ejectedAt === undefined || killAt === undefined ? null : ejectedAt - killAt,
      servingAfterRestartMs:
        servingAt === undefined || restartedAt === undefined ? null : servingAt - restartedAt,
      restartedAfterMs: restartedAt === undefined || killAt === undefined ? null : restartedAt - killAt,
      durationMs,
    };
  } finally {
    done = true;
    await gateway.stop();
  }
}
