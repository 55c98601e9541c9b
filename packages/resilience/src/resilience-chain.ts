/**
 * Builds the resilience interceptors in their one correct order, outermost first:
 *
 *   metrics → [checkpoint] → fallback → retry → breaker → adaptive timeout → transport
 *
 * Why this order:
 * - metrics is outermost so it sees what the caller sees: one call, its real duration and
 *   outcome, including time spent in retries and whether a fallback answered.
 * - checkpoint (streams only, when a store is given) sits right inside metrics: everything the
 *   consumer receives — provider chunks or a fallback's — is recorded before delivery, and a
 *   stream continued after a mid-way failure re-enters the layers below as a fresh call, so it
 *   gets its own retries, breaker checks and budgets.
 * - fallback is outside retry so it answers only after every attempt failed; when every breaker
 *   is open those attempts fail fast, so it answers at once. A fallback never hides an error the
 *   retries could have fixed.
 * - retry is outside the breaker so each attempt consults the breaker of the replica it goes to
 *   (re-picked per attempt), and an open breaker just sends the next attempt elsewhere.
 * - the breaker is outside the timeout so a timed-out attempt counts as that replica's failure.
 * - adaptive timeout is innermost so each attempt gets its own budget from that replica's
 *   latencies, and aborting it cancels exactly one transport request.
 */
import { type Clock, chain, type Interceptor, type Next, systemClock } from "@synapse/core";
import { adaptiveTimeoutInterceptor } from "./adaptive-timeout-interceptor.js";
import { AdaptiveTimeouts } from "./adaptive-timeouts.js";
import { BreakerRegistry, breakerInterceptor } from "./breaker-interceptor.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { resolveOptions } from "./defaults.js";
import { ResilienceEvents } from "./events.js";
import { fallbackInterceptor } from "./fallback-interceptor.js";
import { metricsInterceptor } from "./metrics-interceptor.js";
import type { ResilienceOptions, ResilienceOptionsInput } from "./options.js";
import { ResponseCache, type ResponseCacheStore } from "./response-cache.js";
import { type PickEndpoint, retryInterceptor } from "./retry-interceptor.js";
import { RetryThrottle } from "./retry-throttle.js";
import { StreamCheckpointer } from "./stream-checkpointer.js";

export interface ResilienceChainOptions {
  /** Any subset of the parameters; the rest come from RESILIENCE_DEFAULTS. */
  options?: ResilienceOptionsInput;
  /** The balancer's hook, asked before each attempt. Without it attempts keep `call.endpoint`. */
  pickEndpoint?: PickEndpoint;
  /** Records streams so they can be resumed and continued. Without it streams pass through unrecorded. */
  checkpointStore?: CheckpointStore;
  /** The fallback's cache of good answers. Defaults to an in-memory LRU sized by `options.fallback`. */
  responseCache?: ResponseCacheStore;
  /** Where events go. Defaults to a new emitter. */
  events?: ResilienceEvents;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Jitter's source, returning [0, 1). Defaults to Math.random. */
  random?: () => number;
}

export interface ResilienceChain {
  /** Outermost first, ready for `chain(interceptors, transport)`. */
  interceptors: readonly Interceptor[];
  /** The transport wrapped in every layer. */
  apply(transport: Next): Next;
  options: ResilienceOptions;
  events: ResilienceEvents;
  breakers: BreakerRegistry;
  cache: ResponseCacheStore;
  timeouts: AdaptiveTimeouts;
  throttle: RetryThrottle | undefined;
  checkpointer: StreamCheckpointer | undefined;
}

export function buildResilienceChain(input: ResilienceChainOptions = {}): ResilienceChain {
  const options = resolveOptions(input.options);
  const clock = input.clock ?? systemClock;
  const events = input.events ?? new ResilienceEvents();
  const breakers = new BreakerRegistry(options.breaker, clock, (change) => events.emit("breaker", change));
  const cache =
    input.responseCache ??
    new ResponseCache({ ttlMs: options.fallback.ttlMs, maxEntries: options.fallback.maxEntries }, clock);
  const timeouts = new AdaptiveTimeouts(options.timeout);
  const throttle = options.retry.throttle === false ? undefined : new RetryThrottle(options.retry.throttle);
  const checkpointer =
    input.checkpointStore === undefined
      ? undefined
      : new StreamCheckpointer({ store: input.checkpointStore, options: options.checkpoint, clock, events });

  const interceptors: Interceptor[] = [
    metricsInterceptor(events, clock),
    ...(checkpointer === undefined ? [] : [checkpointer.interceptor]),
    fallbackInterceptor({ options: options.fallback, cache, clock, events }),
    retryInterceptor({
      options: options.retry,
      throttle,
      pickEndpoint: input.pickEndpoint,
      clock,
      random: input.random ?? Math.random,
      events,
    }),
    breakerInterceptor(breakers),
    adaptiveTimeoutInterceptor({ timeouts, clock, events }),
  ];
  return {
    interceptors,
    apply: (transport) => chain(interceptors, transport),
    options,
    events,
    breakers,
    cache,
    timeouts,
    throttle,
    checkpointer,
  };
}
