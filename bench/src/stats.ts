/** Latency summaries from raw samples: exact percentiles (nearest rank) over every sample kept. */

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p90: number;
  /** Milliseconds. */
  p99: number;
  /** Milliseconds. */
  max: number;
  /** Milliseconds. */
  mean: number;
}

export const EMPTY_SUMMARY: LatencySummary = { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };

/** The nearest-rank percentile `p` (0–100) of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/** Summarizes latencies in milliseconds. Runs are bounded, so every sample is kept and sorted once. */
export function summarize(samplesMs: readonly number[]): LatencySummary {
  if (samplesMs.length === 0) return EMPTY_SUMMARY;
  const sorted = Float64Array.from(samplesMs).sort();
  const values = Array.from(sorted);
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    count: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values[values.length - 1] ?? 0,
    mean: sum / values.length,
  };
}

/** Rounds for display and JSON: 3 decimals below 10, 2 below 1,000, else whole. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const digits = abs < 10 ? 3 : abs < 1_000 ? 2 : 0;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The median of a few repeated measurements (used to damp a noisy shared machine). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
