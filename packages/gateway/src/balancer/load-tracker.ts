/**
 * Calls in flight per endpoint, fed by the balancer's onStart/onFinish and read by the
 * connection- and latency-aware strategies.
 */
import type { LoadView } from "./strategy.js";

export class LoadTracker implements LoadView {
  #active = new Map<string, number>();

  active(id: string): number {
    return this.#active.get(id) ?? 0;
  }

  start(id: string): void {
    this.#active.set(id, this.active(id) + 1);
  }

  /** Never goes below zero: a finish for a call started before the endpoint was re-added is ignored. */
  finish(id: string): void {
    const n = this.active(id);
    if (n <= 1) this.#active.delete(id);
    else this.#active.set(id, n - 1);
  }

  /** Forgets endpoints not in `ids` (removed from the pool). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#active.keys()) if (!ids.has(id)) this.#active.delete(id);
  }
}
