/**
 * Every default of the resilience layer in one plain object, and the function that fills a
 * partial input from it. The numbers are the contract (gRFC A6 for retry, RFC 6298 for
 * the latency estimate); the JSDoc on each option in options.ts says the unit.
 */
import type { ActionName } from "@synapse/core";
import type { ActionFallbackOptions, ResilienceOptions, ResilienceOptionsInput } from "./options.js";

/** gRFC A6 allows at most 5 attempts including the first, whatever a configuration asks. */
export const MAX_ATTEMPTS_CAP = 5;

export const RESILIENCE_DEFAULTS: ResilienceOptions = deepFreeze({
  breaker: {
    consecutiveFailures: 5,
    failureRateThreshold: 0.5,
    minimumCalls: 20,
    windowMs: 10_000,
    windowBuckets: 10,
    openBaseMs: 5_000,
    openMultiplier: 2,
    openMaxMs: 60_000,
    halfOpenProbes: 1,
    failureCodes: ["UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN", "RESOURCE_EXHAUSTED"],
  },
  retry: {
    maxAttempts: 5,
    initialBackoffMs: 100,
    backoffMultiplier: 2,
    maxBackoffMs: 5_000,
    jitter: 0.2,
    retryableCodes: ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
    throttle: { maxTokens: 10, tokenRatio: 0.1 },
  },
  timeout: {
    defaultMs: 60_000,
    firstChunkDefaultMs: 30_000,
    gapDefaultMs: 30_000,
    floorMs: 1_000,
    ceilingMs: 120_000,
    minSamples: 100,
    percentile: 0.99,
    factor: 1.5,
    windowSize: 1_000,
  },
  fallback: {
    ttlMs: 600_000,
    maxEntries: 1_000,
    codes: ["UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "INTERNAL", "UNKNOWN"],
    actions: {
      plan: { enabled: true, useCache: true, useRule: true },
      code: { enabled: true, useCache: true, useRule: false },
      analyze: { enabled: true, useCache: true, useRule: true },
      review: { enabled: true, useCache: true, useRule: true },
      execute: { enabled: false, useCache: false, useRule: false },
    },
  },
  checkpoint: {
    ttlMs: 600_000,
    maxContinuations: 3,
    continueOnCodes: ["UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"],
  },
});

/** Fills `input` from RESILIENCE_DEFAULTS; maxAttempts is clamped to 1…5. */
export function resolveOptions(input: ResilienceOptionsInput = {}): ResilienceOptions {
  const d = RESILIENCE_DEFAULTS;
  const { throttle, ...retry } = input.retry ?? {};
  const actions = { ...d.fallback.actions };
  for (const [action, value] of Object.entries(input.fallback?.actions ?? {})) {
    const name = action as ActionName;
    actions[name] = { ...d.fallback.actions[name], ...value } satisfies ActionFallbackOptions;
  }
  const merged: ResilienceOptions = {
    breaker: { ...d.breaker, ...input.breaker },
    retry: {
      ...d.retry,
      ...retry,
      throttle:
        throttle === false || d.retry.throttle === false ? false : { ...d.retry.throttle, ...throttle },
    },
    timeout: { ...d.timeout, ...input.timeout },
    fallback: { ...d.fallback, ...input.fallback, actions },
    checkpoint: { ...d.checkpoint, ...input.checkpoint },
  };
  merged.retry.maxAttempts = Math.max(1, Math.min(MAX_ATTEMPTS_CAP, Math.floor(merged.retry.maxAttempts)));
  return merged;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
