/**
 * Latency statistics for one (agent, action, endpoint) and phase: the RFC 6298 smoothed round-trip
 * time and its variation (α = 1/8, β = 1/4), and a percentile over the last `windowSize` samples.
 * The window is a ring, so a step change in latency shows fully in the percentile once one
 * window of new samples has arrived (for p99 of 1,000, a step up shows after 11 samples).
 *
 * A sorted copy of the window is kept up to date on each sample (binary search and one move,
 * O(window)) rather than re-sorted when asked (O(window · log window)): streams record a gap and
 * ask for the next budget on every chunk, and the re-sort was most of the adaptive timeout's cost
 * per chunk in the gateway's profile (bench/).
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
  /** The window's samples in ascending order (the first #size entries). */
  readonly #sorted: Float64Array;

  /** @param windowSize how many recent samples the percentile covers. Defaults to 1,000. */
  constructor(windowSize = 1_000) {
    this.#ring = new Float64Array(Math.max(1, Math.floor(windowSize)));
    this.#sorted = new Float64Array(this.#ring.length);
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
    const sorted = this.#sorted;
    if (this.#size === this.#ring.length) {
      // The window is full: the sample leaving the ring leaves the sorted copy too.
      const at = lowerBound(sorted, this.#size, this.#ring[this.#nextSlot] ?? 0);
      sorted.copyWithin(at, at + 1, this.#size);
      this.#size--;
    }
    const at = lowerBound(sorted, this.#size, ms);
    sorted.copyWithin(at + 1, at, this.#size);
    sorted[at] = ms;
    this.#size++;
    this.#ring[this.#nextSlot] = ms;
    this.#nextSlot = (this.#nextSlot + 1) % this.#ring.length;
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
    const rank = Math.min(this.#size, Math.max(1, Math.ceil(p * this.#size)));
    return this.#sorted[rank - 1] ?? Number.NaN;
  }
}

/** The first index in `sorted[0, size)` whose value is not below `value`. */
function lowerBound(sorted: Float64Array, size: number, value: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
