/**
 * `round_robin`: each pick takes the next candidate after the last one picked, in the order of the
 * endpoint list. Walking the full list (rather than counting modulo the candidates) keeps the
 * rotation fair when the candidate set shrinks for a retry or while a replica is ejected.
 */
import { registerBalancer } from "./balancer-registry.js";
import type { Endpoint } from "./endpoint.js";
import type { Strategy } from "./strategy.js";

export class RoundRobinStrategy implements Strategy {
  #position = new Map<string, number>();
  #size = 0;
  /** Position of the last endpoint picked; -1 so that the first pick is the first endpoint. */
  #last = -1;
  #lastId: string | undefined;

  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.#position = new Map(endpoints.map((e, i) => [e.id, i]));
    this.#size = endpoints.length;
    // Continue after the last endpoint picked if it stays; otherwise restart from the same slot.
    const kept = this.#lastId === undefined ? undefined : this.#position.get(this.#lastId);
    if (kept !== undefined) this.#last = kept;
    else if (this.#size > 0) this.#last = Math.min(this.#last, this.#size - 1);
  }

  choose(candidates: readonly Endpoint[]): Endpoint {
    const size = Math.max(this.#size, 1);
    let best = candidates[0]!;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const candidate of candidates) {
      const position = this.#position.get(candidate.id) ?? 0;
      // Steps forward from the slot after the last pick (0 = the very next): the smallest is next in rotation.
      const distance = (((position - this.#last - 1) % size) + size) % size;
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    this.#last = this.#position.get(best.id) ?? 0;
    this.#lastId = best.id;
    return best;
  }
}

registerBalancer("round_robin", () => new RoundRobinStrategy());
