/**
 * Call and failure counts over the last `windowMs`, kept in `buckets` ring slots so memory stays
 * constant however many calls arrive (the window slides one bucket at a time).
 */
export class SlidingWindow {
  readonly #bucketMs: number;
  readonly #starts: number[];
  readonly #totals: number[];
  readonly #failures: number[];

  /** @param windowMs window length in milliseconds; @param buckets its resolution (≥ 1). */
  constructor(windowMs: number, buckets: number) {
    const n = Math.max(1, Math.floor(buckets));
    this.#bucketMs = Math.max(1, windowMs / n);
    this.#starts = new Array<number>(n).fill(Number.NEGATIVE_INFINITY);
    this.#totals = new Array<number>(n).fill(0);
    this.#failures = new Array<number>(n).fill(0);
  }

  record(now: number, failed: boolean): void {
    const index = Math.floor(now / this.#bucketMs);
    const slot = index % this.#starts.length;
    if (this.#starts[slot] !== index) {
      this.#starts[slot] = index;
      this.#totals[slot] = 0;
      this.#failures[slot] = 0;
    }
    this.#totals[slot] = (this.#totals[slot] ?? 0) + 1;
    if (failed) this.#failures[slot] = (this.#failures[slot] ?? 0) + 1;
  }

  /** Calls and failures in the buckets that overlap the last window. */
  totals(now: number): { total: number; failures: number } {
    const current = Math.floor(now / this.#bucketMs);
    const oldest = current - this.#starts.length + 1;
    let total = 0;
    let failures = 0;
    this.#starts.forEach((start, slot) => {
      if (start >= oldest && start <= current) {
        total += this.#totals[slot] ?? 0;
        failures += this.#failures[slot] ?? 0;
      }
    });
    return { total, failures };
  }

  clear(): void {
    this.#starts.fill(Number.NEGATIVE_INFINITY);
  }
}
