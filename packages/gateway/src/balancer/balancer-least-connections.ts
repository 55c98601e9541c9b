/**
 * `least_connections`: power of two choices over calls in flight — of two random candidates, the
 * one with fewer active calls.
 *
 * `weighted_least_connections`: the same, comparing (active + 1) / weight, so a replica of weight 2
 * carries about twice the concurrent calls of one of weight 1. The +1 (Envoy's least-request
 * weighting does the same) makes idle replicas differ by weight too: with plain active / weight
 * every idle replica would score 0 and the heavier one would not be preferred. Weight 0 scores
 * infinitely high: picked only when both draws have weight 0.
 */
import { registerBalancer } from "./balancer-registry.js";
import { type Endpoint, weightOf } from "./endpoint.js";
import { pickTwo } from "./power-of-two.js";
import type { LoadView, Strategy, StrategyContext } from "./strategy.js";

export class LeastConnectionsStrategy implements Strategy {
  readonly #load: LoadView;
  readonly #random: () => number;
  readonly #weighted: boolean;

  /** `weighted` divides the load by the endpoint's weight. Defaults to false. */
  constructor(context: StrategyContext, weighted = false) {
    this.#load = context.load;
    this.#random = context.random;
    this.#weighted = weighted;
  }

  setEndpoints(): void {
    // Stateless beyond the balancer's load view.
  }

  choose(candidates: readonly Endpoint[]): Endpoint {
    return pickTwo(candidates, (e) => this.#cost(e), this.#random);
  }

  #cost(endpoint: Endpoint): number {
    const active = this.#load.active(endpoint.id);
    if (!this.#weighted) return active;
    const weight = weightOf(endpoint);
    return weight > 0 ? (active + 1) / weight : Number.POSITIVE_INFINITY;
  }
}

registerBalancer("least_connections", (context) => new LeastConnectionsStrategy(context));
registerBalancer("weighted_least_connections", (context) => new LeastConnectionsStrategy(context, true));
