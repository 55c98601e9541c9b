/**
 * Peak EWMA of latency (Finagle's and linkerd's "peak EWMA"): an exponentially weighted moving
 * average that jumps to any sample above it (peak-sensitive) and otherwise moves towards the sample
 * with time constant τ, weighting it by the time since the previous update: w = exp(−Δt/τ),
 * ewma ← ewma·w + sample·(1 − w).
 *
 * Read with `value(now)`, the estimate also decays towards 0 while no samples arrive, as Finagle's
 * and tower's do, so a replica that was slow and then stopped getting traffic looks cheaper over
 * time and is probed again instead of being shunned for ever. Unlike theirs, reading does not change
 * the state, so the estimate depends only on the samples and the clock.
 */

/** Defaults to 10 seconds, as in Finagle and linkerd. */
export const DEFAULT_EWMA_TAU_MS = 10_000;

export class PeakEwma {
  readonly #tauMs: number;
  #ewma = 0;
  #stamp = 0;
  #has = false;

  /** `tauMs`: the decay time constant in milliseconds. Defaults to 10 s. */
  constructor(tauMs = DEFAULT_EWMA_TAU_MS) {
    this.#tauMs = tauMs;
  }

  /** Whether any sample has been seen. */
  get hasSample(): boolean {
    return this.#has;
  }

  /** The estimate at `now` (epoch ms), decayed since the last sample; 0 before the first sample. */
  value(now: number): number {
    return this.#ewma * this.#weight(now);
  }

  /** Adds a latency sample (ms) observed at `now` (epoch ms). */
  observe(sampleMs: number, now: number): void {
    if (!this.#has) {
      this.#ewma = sampleMs;
    } else {
      // Peak-sensitive: a slower sample is believed at once; faster ones only pull it down gradually.
      const w = this.#weight(now);
      this.#ewma = sampleMs > this.#ewma ? sampleMs : this.#ewma * w + sampleMs * (1 - w);
    }
    this.#has = true;
    this.#stamp = Math.max(now, this.#stamp);
  }

  #weight(now: number): number {
    return Math.exp(-Math.max(now - this.#stamp, 0) / this.#tauMs);
  }
}
