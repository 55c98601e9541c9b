/**
 * How long to wait before restarting a crashed child: exponential (initial, ×2, ×4 … up to max),
 * starting over once a child has stayed up long enough to count as healthy again, so one crash a
 * day is restarted at once while a crash loop is slowed down.
 */
import { type Clock, systemClock } from "@synapse/core";

export interface RestartBackoffOptions {
  /** First delay, in milliseconds (config launcher.restartInitialMs; defaults to 250). */
  initialMs?: number;
  /** Longest delay, in milliseconds (config launcher.restartMaxMs; defaults to 10 000). */
  maxMs?: number;
  /** A child that stayed up this long before crashing starts the sequence over. Defaults to 30 000 ms. */
  stableMs?: number;
  clock?: Clock;
}

export class RestartBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly stableMs: number;
  private readonly clock: Clock;
  private attempt = 0;
  private upSince: number | undefined;

  constructor(options: RestartBackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 250;
    this.maxMs = Math.max(options.maxMs ?? 10_000, this.initialMs);
    this.stableMs = options.stableMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Restarts so far in the current sequence (1 after the first crash). */
  get attempts(): number {
    return this.attempt;
  }

  /** The child is up (ready); the time it stays up decides whether its next crash starts over. */
  up(): void {
    this.upSince = this.clock.now();
  }

  /** The child crashed: the delay before restarting it, in milliseconds. */
  crashed(): number {
    const upFor = this.upSince === undefined ? 0 : this.clock.now() - this.upSince;
    this.upSince = undefined;
    if (upFor >= this.stableMs) this.attempt = 0;
    this.attempt += 1;
    // 2 ** 30 already exceeds any sensible max; capping the exponent keeps the number finite.
    const delay = this.initialMs * 2 ** Math.min(this.attempt - 1, 30);
    return Math.min(delay, this.maxMs);
  }
}
