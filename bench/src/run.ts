/**
 * One bench run: starts every process, runs the scenarios in an order that keeps them apart
 * (idle memory first, the destructive failover last), and stops everything it started, also when
 * a scenario fails — a failed scenario is reported in the notes and the run goes on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, TRANSPORTS } from "@synapse/core";
import type { RunContext } from "./context.js";
import { load1, MEASURED_PACKAGES, machineInfo, packageVersions } from "./machine.js";
import type { Sizes } from "./modes.js";
import { type Child, stopAll } from "./processes/child.js";
import { judgeTargets } from "./report/targets.js";
import type { BenchResults } from "./results.js";
import { runFailover } from "./scenarios/failover.js";
import { runMemory } from "./scenarios/memory.js";
import { type OverheadPath, runOverhead } from "./scenarios/overhead.js";
import { runResilience } from "./scenarios/resilience.js";
import { runScaleReplicas, runScaleStreams } from "./scenarios/scale.js";
import { RAW_REQUEST, runTransports } from "./scenarios/transports.js";
import {
  baseEnv,
  startEcho,
  startFloor,
  startGateway,
  startPortkey,
  startService,
  startUpstream,
} from "./system/processes.js";

const PACED = { ttftMs: 80, tokensPerSecond: 400 };
/** The gateway's transport when none is configured (what users get). */
const DEFAULT_TRANSPORT = loadConfig({}).gateway.transport;

/** The scenarios a run can be limited to (`--only`), in the order they run. */
export const SCENARIOS = ["memory", "overhead", "transports", "resilience", "scale", "failover"] as const;

/**
 * Runs the benchmarks of `sizes`; with `only`, just those scenarios (the processes they share are
 * still all started, so a scenario measures what it measures in a full run); `settings` are
 * SYNAPSE_* values every Synapse process of the run gets.
 */
export async function runBench(
  sizes: Sizes,
  log: (m: string) => void,
  only: ReadonlySet<string> = new Set(SCENARIOS),
  settings: Record<string, string> = {},
): Promise<BenchResults> {
  const dataDir = mkdtempSync(join(tmpdir(), "synapse-bench-"));
  const env = { ...baseEnv(dataDir), ...settings };
  const ctx: RunContext = { sizes, env, log, pids: [], gatewayPeakMb: 0 };
  const r: BenchResults = {
    version: 1,
    mode: sizes.mode,
    startedAt: new Date().toISOString(),
    finishedAt: "",
    machine: machineInfo(),
    versions: packageVersions(MEASURED_PACKAGES),
    loadAverage: { before: load1(), after: 0 },
    overhead: { rows: [] },
    transports: { rows: [], echoStreamEvents: 0 },
    resilience: { rows: [] },
    failover: null,
    memory: null,
    scale: null,
    targets: [],
    pids: ctx.pids,
    notes: [],
  };
  const attempt = async (what: (typeof SCENARIOS)[number], work: () => Promise<void>) => {
    if (!only.has(what)) return;
    try {
      await work();
    } catch (err) {
      const message = `${what} failed: ${(err as Error).message.split("\n")[0]}`;
      log(message);
      r.notes.push(message);
    }
  };
  const track = <T extends Child>(child: T): T => {
    ctx.pids.push(child.pid);
    return child;
  };
  try {
    log(`starting processes (load average ${r.loadAverage.before})`);
    const upstream = await startUpstream();
    track(upstream.child);
    const nClaude = Math.max(sizes.failover.replicas, ...sizes.scaleReplicas);
    const providerEnv = {
      ...ctx.env,
      SYNAPSE_CLAUDE_PROVIDER: "openai-compatible",
      SYNAPSE_CLAUDE_BASE_URL: `${upstream.origin}/v1`,
      SYNAPSE_CLAUDE_MODEL: "bench-model",
    };
    const pacedEnv = {
      ...ctx.env,
      SYNAPSE_CLAUDE_SIM_TTFT_MS: String(PACED.ttftMs),
      SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: String(PACED.tokensPerSecond),
    };
    const [claude, others, paced, provider, portkey] = await Promise.all([
      Promise.all(Array.from({ length: nClaude }, (_, i) => startService("claude", i, ctx.env).then(track))),
      Promise.all([startService("gemini", 0, ctx.env), startService("codex", 0, ctx.env)]).then((s) =>
        s.map(track),
      ),
      sizes.pacedStreams ? startService("claude", 0, pacedEnv).then(track) : undefined,
      startService("claude", 0, providerEnv).then(track, (err: Error) => err),
      startPortkey().then(
        (p) => ({ ...p, child: track(p.child) }),
        (err: Error) => err,
      ),
    ]);
    const gateway = track(await startGateway("gateway", ctx.env, [claude[0]!, ...others]));

    await attempt("memory", async () => {
      r.memory = await runMemory(ctx, gateway, [claude[0]!, ...others]);
    });

    await attempt("overhead", async () => {
      const paths: OverheadPath[] = [
        {
          name: "direct",
          path: "client → upstream",
          origin: upstream.origin,
          model: "bench-model",
          pids: { upstream: upstream.child.pid },
        },
      ];
      const floor = await startFloor(upstream.origin);
      const [relay, proxy] = floor.children.map(track);
      paths.push({
        name: "floor",
        path: "client → bare proxy → bare relay → upstream (two hops, no features: the design's floor)",
        origin: floor.origin,
        model: "bench-model",
        pids: { proxy: proxy!.pid, relay: relay!.pid, upstream: upstream.child.pid },
      });
      if (provider instanceof Error) {
        r.notes.push(`Synapse → openai-compatible provider not measured: ${provider.message.split("\n")[0]}`);
      } else {
        // The default transport (the targets' row), then the other one for comparison.
        const alternatives = sizes.compareTransports ? TRANSPORTS.filter((t) => t !== DEFAULT_TRANSPORT) : [];
        const transports = [DEFAULT_TRANSPORT, ...alternatives];
        for (const [i, transport] of transports.entries()) {
          const env = { ...ctx.env, SYNAPSE_GATEWAY_TRANSPORT: transport };
          const gw = track(await startGateway(`gateway-provider-${transport}`, env, [provider, ...others]));
          paths.push({
            name: i === 0 ? "synapse" : `synapse-${transport}`,
            path: `client → gateway →(${transport})→ service (openai-compatible) → upstream`,
            origin: gw.url,
            model: "claude:plan",
            pids: { gateway: gw.pid, service: provider.pid, upstream: upstream.child.pid },
          });
        }
      }
      if (portkey instanceof Error) {
        r.notes.push(`Portkey not measured: ${portkey.message.split("\n")[0]}`);
      } else {
        paths.push({
          name: "portkey",
          path: "client → Portkey → upstream",
          origin: portkey.origin,
          model: "bench-model",
          headers: { "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstream.origin}/v1` },
          pids: { portkey: portkey.child.pid, upstream: upstream.child.pid },
        });
      }
      paths.push({
        name: "synapse-sim",
        path: `client → gateway →(${DEFAULT_TRANSPORT})→ service (sim, no upstream)`,
        origin: gateway.url,
        model: "claude:plan",
        pids: { gateway: gateway.pid, service: claude[0]!.pid },
      });
      r.overhead.rows = await runOverhead(ctx, paths);
    });

    await attempt("transports", async () => {
      const echo = await startEcho(`127.0.0.1:${claude[0]!.grpcPort}`, RAW_REQUEST);
      track(echo.child);
      r.transports.echoStreamEvents = Number(echo.child.ready.streamEvents ?? 0);
      try {
        r.transports.rows = await runTransports(ctx, claude[0]!, echo);
      } finally {
        await echo.child.stop();
      }
    });

    await attempt("resilience", async () => {
      r.resilience.rows = await runResilience(ctx, gateway, [claude[0]!, ...others]);
    });

    await attempt("scale", async () => {
      const replicas = await runScaleReplicas(ctx, claude, others, gateway);
      const streams = await runScaleStreams(ctx, paced, others, gateway);
      r.scale = {
        replicas,
        streams,
        streamPacing: paced
          ? `sim paced like a model: ${PACED.ttftMs} ms to the first token, ${PACED.tokensPerSecond} tokens/s`
          : "sim with no latency (smoke)",
      };
    });

    await attempt("failover", async () => {
      r.failover = await runFailover(ctx, claude, others);
    });
  } finally {
    await stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (r.memory) r.memory.gatewayPeakMb = ctx.gatewayPeakMb;
  r.loadAverage.after = load1();
  r.finishedAt = new Date().toISOString();
  r.targets = judgeTargets(r);
  return r;
}
