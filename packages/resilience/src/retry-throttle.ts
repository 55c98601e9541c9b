/**
 * Retry throttling per target, as in gRFC A6: a token bucket per target (here: per agent) that
 * starts full; each failed attempt with a retryable code takes 1 token, each success gives back
 * `tokenRatio`; retries are allowed only while tokens > maxTokens / 2. When a service is broadly
 * failing this stops retries from multiplying its load. Counted in thousandths of a token so
 * 0.1 + 0.1 + … adds up exactly (A6 keeps 3 decimals too).
 */
import type { ThrottleOptions } from "./options.js";

const SCALE = 1000;

export class RetryThrottle {
  readonly #max: number;
  readonly #ratio: number;
  readonly #tokens = new Map<string, number>();

  constructor(options: ThrottleOptions) {
    this.#max = Math.round(options.maxTokens * SCALE);
    this.#ratio = Math.round(options.tokenRatio * SCALE);
  }

  /** Tokens left for `target` (maxTokens when never seen). */
  tokens(target: string): number {
    return (this.#tokens.get(target) ?? this.#max) / SCALE;
  }

  onFailure(target: string): void {
    this.#tokens.set(target, Math.max(0, (this.#tokens.get(target) ?? this.#max) - SCALE));
  }

  onSuccess(target: string): void {
    this.#tokens.set(target, Math.min(this.#max, (this.#tokens.get(target) ?? this.#max) + this.#ratio));
  }

  allowsRetry(target: string): boolean {
    return (this.#tokens.get(target) ?? this.#max) > this.#max / 2;
  }
}
