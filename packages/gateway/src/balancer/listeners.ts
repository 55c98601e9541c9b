/**
 * A list of event listeners. Events are for metrics and logs, so a listener that throws is
 * isolated: the error is dropped and the other listeners and the balancer go on (an exception in
 * a timer callback would otherwise crash the process).
 */
export class Listeners<E> {
  readonly #listeners = new Set<(event: E) => void>();

  /** Adds `listener`; returns a function that removes it. */
  add(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: E): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // See above: observers must not break the balancer.
      }
    }
  }
}
