/** What every scenario gets: the sizes of the run, shared settings, and where to log progress. */
import type { Sizes } from "./modes.js";
import { RssSampler } from "./proc-stats.js";
import type { Repeated } from "./results.js";
import { median } from "./stats.js";

export interface RunContext {
  sizes: Sizes;
  /** SYNAPSE_* settings every process of the run shares. */
  env: Record<string, string>;
  /** Progress lines (stderr). */
  log(message: string): void;
  /** Pids started, for the report and the leak check. */
  pids: number[];
  /** Highest gateway RSS seen under any load, in MiB. */
  gatewayPeakMb: number;
}

/** Samples RSS while `work` runs; records gateway peaks in the context. */
export async function withRss<T>(
  ctx: RunContext,
  pids: Record<string, number>,
  work: () => Promise<T>,
): Promise<{ value: T; peaksMb: Record<string, number> }> {
  const sampler = new RssSampler(pids);
  let value: T;
  try {
    value = await work();
  } finally {
    const peaksMb = sampler.stop();
    for (const [name, mb] of Object.entries(peaksMb)) {
      if (name.startsWith("gateway")) ctx.gatewayPeakMb = Math.max(ctx.gatewayPeakMb, mb);
    }
  }
  return { value, peaksMb: sampler.peaks() };
}

export function repeated(values: readonly number[]): Repeated {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, spread: m === 0 ? 0 : (max - min) / m };
}
