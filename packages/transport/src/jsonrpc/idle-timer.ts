/**
 * Notices a connection sitting idle: calls `onIdle` once nothing has been in flight and nothing
 * has arrived for `idleMs`. One timer, re-armed for the remainder when there was activity,
 * rather than a timer reset on every chunk read.
 */
import type { Clock } from "@synapse/core";

export class IdleTimer {
  private last: number;
  private cancel: (() => void) | undefined;

  /**
   * @param idleMs quiet time before `onIdle`, in milliseconds.
   * @param busy true while calls are in flight: a busy connection is never idle.
   */
  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly busy: () => boolean,
    private readonly onIdle: () => void,
  ) {
    this.last = clock.now();
    this.arm(idleMs);
  }

  /** Records activity now (bytes arrived, or the last call in flight finished). */
  touch(): void {
    this.last = this.clock.now();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private arm(ms: number): void {
    this.cancel = this.clock.setTimeout(this.fire, ms);
  }

  private readonly fire = (): void => {
    this.cancel = undefined;
    const quiet = this.clock.now() - this.last;
    if (this.busy()) this.arm(this.idleMs);
    else if (quiet < this.idleMs) this.arm(this.idleMs - quiet);
    else this.onIdle();
  };
}
