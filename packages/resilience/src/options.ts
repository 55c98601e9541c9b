/**
 * The resilience layer's parameters, one interface per policy. Every field is documented with its
 * default (see RESILIENCE_DEFAULTS) and its unit; `resolveOptions` fills a partial input.
 */
import type { ActionName, Code } from "@synapse/core";

export interface BreakerOptions {
  /** Consecutive failures that open a closed circuit. Defaults to 5. */
  consecutiveFailures: number;
  /** Failure rate (0–1) over the window that opens a closed circuit. Defaults to 0.5 (50 %). */
  failureRateThreshold: number;
  /** The rate only counts once the window holds at least this many calls. Defaults to 20. */
  minimumCalls: number;
  /** Length of the sliding failure-rate window, in milliseconds. Defaults to 10 seconds. */
  windowMs: number;
  /** The window is kept as this many buckets (its resolution). Defaults to 10 (one per second). */
  windowBuckets: number;
  /** How long the first opening lasts, in milliseconds. Defaults to 5 seconds. */
  openBaseMs: number;
  /** Each re-opening without a close in between lasts this many times longer. Defaults to 2. */
  openMultiplier: number;
  /** The open period never exceeds this, in milliseconds. Defaults to 60 seconds. */
  openMaxMs: number;
  /** Probes admitted at once while HALF_OPEN. Defaults to 1. */
  halfOpenProbes: number;
  /**
   * Codes that count as a failure of the endpoint. Defaults to UNAVAILABLE, DEADLINE_EXCEEDED,
   * INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED. Other codes mean the endpoint answered (a success);
   * a call the caller cancelled counts as neither.
   */
  failureCodes: readonly Code[];
}

export interface ThrottleOptions {
  /** Bucket size per target (agent). Defaults to 10. */
  maxTokens: number;
  /** Tokens a success gives back (a failure takes 1). Defaults to 0.1. Kept to 3 decimals as in gRFC A6. */
  tokenRatio: number;
}

export interface RetryOptions {
  /** Attempts including the first; capped at 5 (gRFC A6). Defaults to 5. */
  maxAttempts: number;
  /** Base delay before the first retry, in milliseconds. Defaults to 100 ms. */
  initialBackoffMs: number;
  /** Growth of the base delay per retry. Defaults to 2. */
  backoffMultiplier: number;
  /** Cap of the base delay, in milliseconds. Defaults to 5 seconds. */
  maxBackoffMs: number;
  /** Jitter: each delay is the base times U(1 − jitter, 1 + jitter). Defaults to 0.2. */
  jitter: number;
  /**
   * Codes worth another attempt. Defaults to UNAVAILABLE and RESOURCE_EXHAUSTED; add
   * DEADLINE_EXCEEDED only for idempotent work you are happy to run twice.
   */
  retryableCodes: readonly Code[];
  /** Retry throttling per target; false turns it off. Defaults to 10 tokens, ratio 0.1. */
  throttle: ThrottleOptions | false;
}

export interface TimeoutOptions {
  /** Budget used until `minSamples` latencies are known, in milliseconds. Defaults to 60 seconds. */
  defaultMs: number;
  /** Static budget for a stream's first chunk until `minSamples` are known. Defaults to 30 seconds. */
  firstChunkDefaultMs: number;
  /** Static budget for the gap between chunks until `minSamples` are known. Defaults to 30 seconds. */
  gapDefaultMs: number;
  /** The adaptive budget never goes below this, in milliseconds. Defaults to 1 second. */
  floorMs: number;
  /** The adaptive budget never goes above this, in milliseconds. Defaults to 120 seconds. */
  ceilingMs: number;
  /** Samples needed before the budget adapts. Defaults to 100. */
  minSamples: number;
  /** The percentile of recent latencies the budget starts from (0–1). Defaults to 0.99. */
  percentile: number;
  /** The percentile is multiplied by this. Defaults to 1.5. */
  factor: number;
  /** The percentile is taken over the last this many samples. Defaults to 1,000. */
  windowSize: number;
}

export interface ActionFallbackOptions {
  /** Whether this action falls back at all. */
  enabled: boolean;
  /** Answer with a cached response for the same request when there is one. */
  useCache: boolean;
  /** Answer with the action's rule-based default when there is no cached response. */
  useRule: boolean;
}

export interface FallbackOptions {
  /** A cached response is served for this long after it was stored, in milliseconds. Defaults to 10 minutes. */
  ttlMs: number;
  /** The cache keeps at most this many responses, least recently used out first. Defaults to 1,000. */
  maxEntries: number;
  /**
   * Failures that may be answered by a fallback. Defaults to UNAVAILABLE, DEADLINE_EXCEEDED,
   * RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN — never a caller's mistake such as INVALID_ARGUMENT.
   */
  codes: readonly Code[];
  /** Per action. Defaults: plan, analyze, review all on; code cache only (it has no rule); execute off (always). */
  actions: Record<ActionName, ActionFallbackOptions>;
}

export interface CheckpointOptions {
  /** A stream's log is kept this long after its last write, in milliseconds. Defaults to 10 minutes. */
  ttlMs: number;
  /** How often one stream may be continued on another endpoint after failing mid-way. Defaults to 3. */
  maxContinuations: number;
  /**
   * Mid-stream failures that are continued on another endpoint. Defaults to UNAVAILABLE,
   * RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED (a stalled replica trips the gap budget).
   */
  continueOnCodes: readonly Code[];
}

export interface ResilienceOptions {
  breaker: BreakerOptions;
  retry: RetryOptions;
  timeout: TimeoutOptions;
  fallback: FallbackOptions;
  checkpoint: CheckpointOptions;
}

/** What callers pass: any subset, section by section (fallback actions merge per action). */
export interface ResilienceOptionsInput {
  breaker?: Partial<BreakerOptions>;
  retry?: Partial<Omit<RetryOptions, "throttle">> & { throttle?: Partial<ThrottleOptions> | false };
  timeout?: Partial<TimeoutOptions>;
  fallback?: Partial<Omit<FallbackOptions, "actions">> & {
    actions?: Partial<Record<ActionName, Partial<ActionFallbackOptions>>>;
  };
  checkpoint?: Partial<CheckpointOptions>;
}
