/**
 * At most N commands at once; the rest wait in FIFO order, and only so many may wait. Written
 * here rather than taken from p-limit/p-queue because those neither bound the queue nor let one
 * waiter leave it when its caller gives up (an AbortSignal).
 */
import { SynapseError } from "@synapse/core";

interface Waiter {
  grant: (release: () => void) => void;
  fail: (err: unknown) => void;
}

export class ConcurrencyLimit {
  private active = 0;
  private readonly queue: Waiter[] = [];

  /**
   * @param maxActive Holders at once (at least 1).
   * @param maxWaiting Callers allowed to wait; more are refused with RESOURCE_EXHAUSTED.
   */
  constructor(
    private readonly maxActive: number,
    private readonly maxWaiting: number,
  ) {}

  /** Running and waiting counts, for health and tests. */
  stats(): { running: number; waiting: number } {
    return { running: this.active, waiting: this.queue.length };
  }

  /**
   * Resolves with a release function once a slot is free. Rejects with RESOURCE_EXHAUSTED when
   * the queue is full, or with CANCELLED when `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(cancelled());
    if (this.active < this.maxActive) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxWaiting) {
      return Promise.reject(
        new SynapseError(
          "RESOURCE_EXHAUSTED",
          `Too many commands: ${this.active} running and ${this.queue.length} waiting. Try again ` +
            "shortly, or raise maxConcurrent (SYNAPSE_CODEX_MAX_CONCURRENT) or maxWaiting (SYNAPSE_CODEX_MAX_WAITING).",
          { retryAfterMs: 1000 },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(cancelled());
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
        fail: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      this.queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Refuses every waiter with `err` (used when the executor closes). */
  rejectWaiting(err: unknown): void {
    for (const waiter of this.queue.splice(0)) waiter.fail(err);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot jump the queue.
      if (next) next.grant(this.releaser());
      else this.active--;
    };
  }
}

function cancelled(): SynapseError {
  return new SynapseError("CANCELLED", "The command was cancelled before it started.");
}
