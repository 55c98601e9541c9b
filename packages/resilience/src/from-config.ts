/** The resilience options a configuration asks for (config `resilience.*`, SYNAPSE_BREAKER_*, …). */
import { ACTIONS, type ActionName, type Code, type Config } from "@synapse/core";
import type { ActionFallbackOptions, ResilienceOptionsInput } from "./options.js";

export function resilienceOptionsFromConfig(config: Config): ResilienceOptionsInput {
  const r = config.resilience;
  const fallbackActions = new Set<string>(r.fallbackActions);
  const actions: Partial<Record<ActionName, Partial<ActionFallbackOptions>>> = {};
  for (const action of ACTIONS) actions[action] = { enabled: fallbackActions.has(action) };
  return {
    breaker: {
      consecutiveFailures: r.breakerFailures,
      failureRateThreshold: r.breakerFailureRate,
      minimumCalls: r.breakerMinimumCalls,
      windowMs: r.breakerWindowMs,
      openBaseMs: r.breakerOpenMs,
      openMaxMs: r.breakerOpenMaxMs,
      halfOpenProbes: r.breakerHalfOpenProbes,
    },
    retry: {
      maxAttempts: r.retryMaxAttempts,
      initialBackoffMs: r.retryInitialBackoffMs,
      backoffMultiplier: r.retryBackoffMultiplier,
      maxBackoffMs: r.retryMaxBackoffMs,
      retryableCodes: r.retryableCodes as Code[],
      throttle: { maxTokens: r.retryMaxTokens, tokenRatio: r.retryTokenRatio },
    },
    timeout: {
      defaultMs: r.timeoutDefaultMs,
      firstChunkDefaultMs: r.timeoutFirstChunkMs,
      gapDefaultMs: r.timeoutGapMs,
      floorMs: r.timeoutFloorMs,
      ceilingMs: r.timeoutCeilingMs,
      minSamples: r.timeoutMinSamples,
    },
    fallback: { ttlMs: r.fallbackCacheTtlMs, maxEntries: r.fallbackCacheEntries, actions },
    checkpoint: { ttlMs: config.gateway.streamRetainMs, maxContinuations: r.streamContinuations },
  };
}
