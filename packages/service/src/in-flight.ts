/** The calls a service is running, so it can wait for them on shutdown or cancel them. */
export class InFlight {
  readonly #calls = new Set<AbortController>();
  #idle: (() => void)[] = [];

  get size(): number {
    return this.#calls.size;
  }

  add(controller: AbortController): void {
    this.#calls.add(controller);
  }

  delete(controller: AbortController): void {
    if (!this.#calls.delete(controller) || this.#calls.size > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** Resolves when no call is running. */
  whenIdle(): Promise<void> {
    if (this.#calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Aborts every running call with `reason`; returns how many there were. */
  cancelAll(reason: unknown): number {
    const calls = [...this.#calls];
    for (const c of calls) c.abort(reason);
    return calls.length;
  }
}
