/**
 * Latency statistics for one (agent, action, endpoint) and phase: the RFC 6298 smoothed round-trip
 * time and its variation (α = 1/8, β = 1/4), and a percentile over the last `windowSize` samples.
 * The window is a ring, so a step change in latency shows fully in the percentile once one
 * window of new samples has arrived (for p99 of 1,000, a step up shows after 11 samples).
 */

const ALPHA = 1 / 8;
const BETA = 1 / 4;

export class LatencyTracker {
  readonly #ring: Float64Array;
  #size = 0;
  #nextSlot = 0;
  #count = 0;
  #srtt = 0;
  #rttvar = 0;
  #sorted: Float64Array | undefined;

  /** @param windowSize how many recent samples the percentile covers. Defaults to 1,000. */
  constructor(windowSize = 1_000) {
    this.#ring = new Float64Array(Math.max(1, Math.floor(windowSize)));
  }

  /** Adds one latency, in milliseconds. */
  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.#count === 0) {
      this.#srtt = ms;
      this.#rttvar = ms / 2;
    } else {
      // RFC 6298 §2.3: RTTVAR first, from the old SRTT.
      this.#rttvar = (1 - BETA) * this.#rttvar + BETA * Math.abs(this.#srtt - ms);
      this.#srtt = (1 - ALPHA) * this.#srtt + ALPHA * ms;
    }
    this.#count++;
    this.#ring[this.#nextSlot] = ms;
    this.#nextSlot = (this.#nextSlot + 1) % this.#ring.length;
    this.#size = Math.min(this.#size + 1, this.#ring.length);
    this.#sorted = undefined;
  }

  /** Samples recorded so far (all time). */
  get count(): number {
    return this.#count;
  }

  /** Smoothed latency (SRTT), in milliseconds; 0 before the first sample. */
  get srtt(): number {
    return this.#srtt;
  }

  /** Latency variation (RTTVAR), in milliseconds; 0 before the first sample. */
  get rttvar(): number {
    return this.#rttvar;
  }

  /** The nearest-rank percentile `p` (0–1) of the window, in milliseconds; NaN when empty. */
  percentile(p: number): number {
    if (this.#size === 0) return Number.NaN;
    // Sorted lazily and cached until the next sample, so asking twice costs one sort.
    this.#sorted ??= this.#ring.slice(0, this.#size).sort();
    const rank = Math.min(this.#size, Math.max(1, Math.ceil(p * this.#size)));
    return this.#sorted[rank - 1] ?? Number.NaN;
  }
}
