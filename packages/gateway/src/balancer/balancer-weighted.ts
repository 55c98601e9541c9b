/**
 * `weighted`: nginx's smooth weighted round robin. Each pick adds every candidate's weight to its
 * current weight, takes the candidate with the largest current weight (the first on a tie) and
 * subtracts the candidates' total from it. Weights 5:1:1 give a a b a c a a, repeating: the
 * heavy replica's turns are spread out instead of bunched, and every cycle of `total` picks gives
 * each replica exactly its weight.
 *
 * Only the candidates of a pick take part in it (nginx skips peers it has already tried the same
 * way), so excluded or ejected replicas neither gain nor lose turns meanwhile.
 * Weight 0 drains a replica: it is picked only when no candidate has a positive weight, and then
 * all candidates count as weight 1 (plain round robin).
 */
import { registerBalancer } from "./balancer-registry.js";
import { type Endpoint, weightOf } from "./endpoint.js";
import type { Strategy } from "./strategy.js";

export class WeightedRoundRobinStrategy implements Strategy {
  /** nginx's `current_weight` per endpoint id. */
  #current = new Map<string, number>();
  #weight = new Map<string, number>();

  setEndpoints(endpoints: readonly Endpoint[]): void {
    const current = new Map<string, number>();
    const weight = new Map<string, number>();
    for (const e of endpoints) {
      const w = weightOf(e);
      weight.set(e.id, w);
      // A replica that stays with the same weight keeps its place in the cycle; a new one, or one
      // whose weight changed, starts from zero as nginx does for a new peer.
      current.set(e.id, this.#weight.get(e.id) === w ? (this.#current.get(e.id) ?? 0) : 0);
    }
    this.#current = current;
    this.#weight = weight;
  }

  choose(candidates: readonly Endpoint[]): Endpoint {
    const anyPositive = candidates.some((c) => weightOf(c) > 0);
    let best: Endpoint | undefined;
    let bestCurrent = Number.NEGATIVE_INFINITY;
    let total = 0;
    for (const candidate of candidates) {
      const w = anyPositive ? weightOf(candidate) : 1;
      if (w <= 0) continue;
      const current = (this.#current.get(candidate.id) ?? 0) + w;
      this.#current.set(candidate.id, current);
      total += w;
      if (current > bestCurrent) {
        best = candidate;
        bestCurrent = current;
      }
    }
    // `best` is always set: at least one candidate has w > 0 by construction.
    const chosen = best ?? candidates[0]!;
    this.#current.set(chosen.id, bestCurrent - total);
    return chosen;
  }
}

registerBalancer("weighted", () => new WeightedRoundRobinStrategy());
