/**
 * Per-(agent, action, endpoint) timeout budgets learned from observed latencies:
 *
 *   budget = clamp(max(p99 · 1.5, SRTT + 4 · RTTVAR), floor, min(ceiling, remaining deadline))
 *
 * with a static default until `minSamples` latencies are known. Unary calls, a stream's time to
 * first chunk, and the gap between chunks each have their own statistics, since they differ by
 * orders of magnitude; a stream's total duration never has a budget.
 */
import type { ActionName, AgentName } from "@synapse/core";
import type { TimeoutPhase } from "./events.js";
import { LatencyTracker } from "./latency-tracker.js";
import type { TimeoutOptions } from "./options.js";

export interface TimeoutKey {
  agent: AgentName;
  action: ActionName;
  endpoint: string | undefined;
}

export class AdaptiveTimeouts {
  readonly options: TimeoutOptions;
  readonly #trackers = new Map<string, LatencyTracker>();

  constructor(options: TimeoutOptions) {
    this.options = options;
  }

  /** The statistics for one phase of one key (created empty on first use). */
  tracker(phase: TimeoutPhase, key: TimeoutKey): LatencyTracker {
    const id = `${phase}\u0000${key.agent}\u0000${key.action}\u0000${key.endpoint ?? ""}`;
    let tracker = this.#trackers.get(id);
    if (tracker === undefined) {
      tracker = new LatencyTracker(this.options.windowSize);
      this.#trackers.set(id, tracker);
    }
    return tracker;
  }

  /** Records one observed latency in milliseconds. */
  record(phase: TimeoutPhase, key: TimeoutKey, ms: number): void {
    this.tracker(phase, key).record(ms);
  }

  /** The budget in milliseconds for the next attempt, given the time left before the caller's deadline. */
  budget(phase: TimeoutPhase, key: TimeoutKey, remainingMs = Number.POSITIVE_INFINITY): number {
    return this.budgetOf(phase, this.tracker(phase, key), remainingMs);
  }

  /**
   * The budget from one phase's statistics, `t` being `tracker(phase, key)`: a stream takes its
   * trackers once and asks for a budget per chunk, without building the key's id each time.
   */
  budgetOf(phase: TimeoutPhase, t: LatencyTracker, remainingMs = Number.POSITIVE_INFINITY): number {
    const o = this.options;
    const raw =
      t.count < o.minSamples
        ? staticDefault(o, phase)
        : Math.max(t.percentile(o.percentile) * o.factor, t.srtt + 4 * t.rttvar);
    return Math.min(Math.max(raw, o.floorMs), Math.min(o.ceilingMs, remainingMs));
  }
}

function staticDefault(o: TimeoutOptions, phase: TimeoutPhase): number {
  switch (phase) {
    case "unary":
      return o.defaultMs;
    case "first_chunk":
      return o.firstChunkDefaultMs;
    case "gap":
      return o.gapDefaultMs;
  }
}
