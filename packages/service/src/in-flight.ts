/** The calls a service is running, so it can wait for them on shutdown or cancel them. */
import type { Clock, SynapseError } from "@synapse/core";

/** A running call as the service can stop it. */
export interface Abortable {
  abort(reason: SynapseError): void;
}

export class InFlight {
  readonly #calls = new Set<Abortable>();
  #idle: (() => void)[] = [];

  get size(): number {
    return this.#calls.size;
  }

  add(call: Abortable): void {
    this.#calls.add(call);
  }

  delete(call: Abortable): void {
    if (!this.#calls.delete(call) || this.#calls.size > 0) return;
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
  cancelAll(reason: SynapseError): number {
    const calls = [...this.#calls];
    for (const c of calls) c.abort(reason);
    return calls.length;
  }

  /**
   * Waits up to `timeoutMs` for every call to end; then aborts the rest with `reason` and waits up
   * to `graceMs` more for them to wind up. Resolves with how many calls were aborted.
   */
  async drain(timeoutMs: number, graceMs: number, clock: Clock, reason: SynapseError): Promise<number> {
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
