/** The calls a service is running, so it can wait for them on shutdown or cancel them. */
import type { Clock } from "@synapse/core";

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

  /**
   * Waits up to `timeoutMs` for every call to end; then aborts the rest with `reason` and waits up
   * to `graceMs` more for them to wind up. Resolves with how many calls were aborted.
   */
  async drain(timeoutMs: number, graceMs: number, clock: Clock, reason: unknown): Promise<number> {
    if (await settlesWithin(this.whenIdle(), timeoutMs, clock)) return 0;
    const cancelled = this.cancelAll(reason);
    await settlesWithin(this.whenIdle(), graceMs, clock);
    return cancelled;
  }
}

/** Whether `promise` settles within `ms` on `clock`. */
function settlesWithin(promise: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = clock.setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        cancel();
        resolve(true);
      },
      () => {
        cancel();
        resolve(true);
      },
    );
  });
}
