/**
 * The retry delay schedule of gRFC A6: before retry n (n = 1 for the first retry),
 * delay = min(initial · multiplier^(n−1), max) · U(1 − jitter, 1 + jitter), with the defaults
 * initial 100 ms, multiplier 2, max 5 s, jitter 0.2 (so U(0.8, 1.2)). Server pushback replaces
 * one delay and restarts the schedule from the first backoff.
 */
import type { RetryOptions } from "./options.js";

export type BackoffSchedule = Pick<
  RetryOptions,
  "initialBackoffMs" | "backoffMultiplier" | "maxBackoffMs" | "jitter"
>;

/** The un-jittered delay before retry `n` (1-based), in milliseconds. */
export function baseDelay(schedule: BackoffSchedule, n: number): number {
  return Math.min(schedule.initialBackoffMs * schedule.backoffMultiplier ** (n - 1), schedule.maxBackoffMs);
}

/** One call's position in the schedule. `random` returns [0, 1), like Math.random. */
export class RetryBackoff {
  readonly #schedule: BackoffSchedule;
  readonly #random: () => number;
  #n = 0;

  constructor(schedule: BackoffSchedule, random: () => number = Math.random) {
    this.#schedule = schedule;
    this.#random = random;
  }

  /** The delay before the next retry, in milliseconds. */
  next(): number {
    this.#n++;
    const jitter = this.#schedule.jitter;
    return baseDelay(this.#schedule, this.#n) * (1 - jitter + 2 * jitter * this.#random());
  }

  /** After server pushback: the next retry waits the first backoff again. */
  restart(): void {
    this.#n = 0;
  }
}
