/**
 * The picker: a synchronous snapshot the balancer publishes whenever its endpoints, their health or
 * their ejection change (after grpc-js, which separates the stateful balancer from its picker).
 * `pick` decides which endpoints are candidates and lets the strategy choose among them.
 *
 * Candidates, in order of preference — the first non-empty tier wins:
 *   1. usable (healthy and not ejected) and not excluded;
 *   2. not excluded, even if unhealthy or ejected — a replica that has not just failed this call
 *      is a better bet than one that has;
 *   3. excluded but usable — every replica failed this call; retry one that is not known bad;
 *   4. any endpoint at all: better to try than to fail without trying.
 * Only an empty pool is "unavailable".
 */
import type { Endpoint } from "./endpoint.js";
import type { Strategy } from "./strategy.js";

/** The tier of the fallback order (above) a pick came from. */
export type PickTier = 1 | 2 | 3 | 4;

/** What a pick decided. */
export type PickResult =
  | { type: "complete"; endpoint: Endpoint; tier: PickTier }
  | { type: "unavailable"; reason: string };

export interface PickContext {
  /** Endpoint ids to avoid (e.g. the ones that just failed this call); honoured unless nothing else is left. */
  exclude?: ReadonlySet<string>;
}

export interface Picker {
  pick(context?: PickContext): PickResult;
}

export interface PickerEntry {
  endpoint: Endpoint;
  /** Healthy and not ejected. */
  usable: boolean;
}

export class TieredPicker implements Picker {
  readonly #entries: readonly PickerEntry[];
  readonly #usable: readonly Endpoint[];
  readonly #all: readonly Endpoint[];
  readonly #strategy: Strategy;
  readonly #pool: string;

  /** `pool` names the pool in the "unavailable" reason, e.g. "claude". */
  constructor(entries: readonly PickerEntry[], strategy: Strategy, pool: string) {
    this.#entries = entries;
    this.#usable = entries.filter((e) => e.usable).map((e) => e.endpoint);
    this.#all = entries.map((e) => e.endpoint);
    this.#strategy = strategy;
    this.#pool = pool;
  }

  pick(context: PickContext = {}): PickResult {
    if (this.#all.length === 0) {
      return {
        type: "unavailable",
        reason: `No replicas of ${this.#pool} are known; check its replica configuration or discovery.`,
      };
    }
    const exclude = context.exclude;
    if (exclude === undefined || exclude.size === 0) {
      // Nothing excluded: tier 2 ("not excluded") is the whole pool.
      return this.#usable.length > 0 ? this.#complete(this.#usable, 1) : this.#complete(this.#all, 2);
    }
    const usableKept = this.#filter((e) => e.usable && !exclude.has(e.endpoint.id));
    if (usableKept.length > 0) return this.#complete(usableKept, 1);
    const kept = this.#filter((e) => !exclude.has(e.endpoint.id));
    if (kept.length > 0) return this.#complete(kept, 2);
    if (this.#usable.length > 0) return this.#complete(this.#usable, 3);
    return this.#complete(this.#all, 4);
  }

  #complete(candidates: readonly Endpoint[], tier: PickTier): PickResult {
    return { type: "complete", endpoint: this.#strategy.choose(candidates), tier };
  }

  #filter(keep: (entry: PickerEntry) => boolean): Endpoint[] {
    return this.#entries.filter(keep).map((e) => e.endpoint);
  }
}
