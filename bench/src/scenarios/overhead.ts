/**
 * Scenarios 1 and 2 — overhead and streaming: the same chat completion sent (a) straight to the
 * fake upstream (the limit), (b) through Synapse (gateway → service with the openai-compatible
 * provider → upstream), (c) through the Portkey gateway, and, for reference, through Synapse to
 * a sim service (no upstream hop). Repeats are interleaved so drift on a shared machine hits
 * every path alike; the median is reported.
 */
import { type RunContext, repeated } from "../context.js";
import { chatTarget, type HttpTarget } from "../load/http-target.js";
import type { HttpRow } from "../results.js";
import type { LatencySummary } from "../stats.js";
import { measureFirstContent, measureLatency, measureThroughput } from "./http-measure.js";

export interface OverheadPath {
  name: string;
  path: string;
  origin: string;
  model: string;
  headers?: Record<string, string>;
  /** Processes whose CPU per request is reported (the client is added). */
  pids: Record<string, number>;
}

interface Samples {
  rps: number[];
  p50: number[];
  latency?: LatencySummary;
  firstP50: number[];
  firstContent?: LatencySummary;
  cpu?: Record<string, number>;
  failed: number;
  streamError?: string;
}

export async function runOverhead(ctx: RunContext, paths: readonly OverheadPath[]): Promise<HttpRow[]> {
  const samples = new Map<string, Samples>(
    paths.map((p) => [p.name, { rps: [], p50: [], firstP50: [], failed: 0 }]),
  );
  const target = (p: OverheadPath, stream: boolean): HttpTarget =>
    chatTarget(p.name, p.origin, p.model, stream, p.headers);
  for (let round = 0; round < ctx.sizes.repeats; round++) {
    for (const p of paths) {
      const s = samples.get(p.name)!;
      ctx.log(`overhead: ${p.name} throughput (round ${round + 1}/${ctx.sizes.repeats})`);
      const t = await measureThroughput(ctx, target(p, false), p.pids);
      s.rps.push(t.rps);
      s.cpu = t.cpuUsPerRequest;
      s.failed += t.failed;
    }
    for (const p of paths) {
      const s = samples.get(p.name)!;
      ctx.log(`overhead: ${p.name} latency at ${ctx.sizes.latencyRate} req/s`);
      const l = await measureLatency(ctx, target(p, false));
      s.p50.push(l.latency.p50);
      s.latency = l.latency;
      s.failed += l.failed;
      ctx.log(`streaming: ${p.name} time to first content`);
      const f = await measureFirstContent(ctx, target(p, true));
      if (f.firstError !== undefined) {
        ctx.log(`streaming: ${p.name}: ${f.failed} failed (${f.firstError})`);
        s.streamError = `streams: ${f.firstError}`;
      }
      if (f.firstContent.count > 0) s.firstP50.push(f.firstContent.p50);
      s.firstContent = f.firstContent;
      s.failed += f.failed;
    }
  }
  const direct = samples.get(paths[0]?.name ?? "");
  const directP50 = direct ? repeated(direct.p50).median : 0;
  const directFirst = direct && direct.firstP50.length > 0 ? repeated(direct.firstP50).median : undefined;
  return paths.map((p) => {
    const s = samples.get(p.name)!;
    const p50 = repeated(s.p50);
    const firstP50 = s.firstP50.length > 0 ? repeated(s.firstP50) : undefined;
    const first = firstP50?.median;
    return {
      name: p.name,
      path: p.path,
      rps: repeated(s.rps),
      p50Ms: p50,
      latency: s.latency!,
      addedP50Ms: p50.median - directP50,
      ...(firstP50 === undefined || s.firstContent === undefined
        ? {}
        : { firstContent: s.firstContent, firstP50Ms: firstP50 }),
      ...(first === undefined || directFirst === undefined
        ? {}
        : { addedFirstContentMs: first - directFirst }),
      ...(s.streamError === undefined ? {} : { streamError: s.streamError }),
      cpuUsPerRequest: s.cpu ?? {},
      failed: s.failed,
    };
  });
}
