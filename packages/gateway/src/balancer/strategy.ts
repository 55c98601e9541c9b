/**
 * What a balancing strategy is: a small stateful object, one per agent, that chooses one endpoint
 * out of the candidates the picker hands it. Which endpoints are candidates (health, ejection,
 * the caller's exclusions) is decided by the picker, not the strategy, so every strategy gets the
 * same fallback rules for free. Strategies register by name in `balancer-registry.ts`.
 */
import type { Clock, Code } from "@synapse/core";
import type { Endpoint } from "./endpoint.js";

/** How a call to an endpoint ended. */
export interface CallOutcome {
  /** Time from the start of the call to its answer (for streams, to the first event), in milliseconds. */
  latencyMs: number;
  /** True when the call succeeded. */
  ok: boolean;
  /** The SynapseError code of a failed call; a failure without one is treated as UNKNOWN. */
  code?: Code;
}

/** Read-only view of the calls in flight per endpoint, kept by the balancer. */
export interface LoadView {
  /** Calls started on `id` and not yet finished. */
  active(id: string): number;
}

/** What a strategy factory is given. */
export interface StrategyContext {
  /** Uniform in [0, 1). */
  random: () => number;
  clock: Clock;
  load: LoadView;
}

export interface Strategy {
  /**
   * Chooses one of `candidates`: never empty, a subset of the last `setEndpoints` list in the same
   * order, and never mutated. Synchronous and cheap: it runs on every attempt.
   */
  choose(candidates: readonly Endpoint[]): Endpoint;
  /** The endpoint list changed. Keep the state of ids that stay, drop the rest; never mutate the list. */
  setEndpoints(endpoints: readonly Endpoint[]): void;
  /** A call to `id` finished (after the balancer updated the load view). */
  onFinish?(id: string, outcome: CallOutcome): void;
}

export type StrategyFactory = (context: StrategyContext) => Strategy;
