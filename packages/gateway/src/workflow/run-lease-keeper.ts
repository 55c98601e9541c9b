/**
 * This gateway's side of run ownership. It holds the leases of the runs the gateway drives or
 * watches (awaiting approval), renews them every third of the lease, and scans for unfinished runs
 * whose lease has lapsed — their gateway died — at start and every `scanIntervalMs`, taking as
 * many as the gateway has room for. A renewal that finds a run is no longer its own (another
 * gateway took it), or a lease this gateway could not renew and that would run out before the
 * next renewal (the database is unreachable), means the run is lost: the gateway stops driving
 * it, since another one may soon. Actions other gateways asked for come back with the renewal.
 */
import type { Clock, Logger } from "@synapse/core";
import type { RequestedAction, RunLease, RunRecord, RunStore } from "./run-store.js";

export interface LeaseKeeperOptions {
  runs: RunStore;
  /** This gateway's instance id, the owner it writes. */
  owner: string;
  /** Lease duration in milliseconds (renewed every third of it). */
  leaseMs: number;
  /** Milliseconds between scans for lapsed runs. */
  scanIntervalMs: number;
  /** One gateway alone uses the store: every run it does not hold counts as lapsed. */
  exclusive: boolean;
  clock: Clock;
  logger: Logger;
  /** Runs the gateway can start driving now. */
  capacity(): number;
  /** A run a scan took (held already): drive it from its last checkpoint, or watch it while it awaits approval. */
  adopt(run: RunRecord): void;
  /** The run is no longer this gateway's: stop driving or watching it (it is no longer held). */
  lost(id: string, why: "taken" | "lapsed"): void;
  /** Another gateway asked for `action` on a run this one holds. */
  requested(id: string, action: RequestedAction): void;
}

/** Most runs awaiting approval taken in one scan (they need no slot, only a deadline timer). */
const MAX_WAITING_PER_SCAN = 1000;

export class LeaseKeeper {
  readonly #o: LeaseKeeperOptions;
  /** Held runs: id → the lease expiry last written. */
  readonly #held = new Map<string, number>();
  readonly #cancels: (() => void)[] = [];
  #closed = false;
  #scanning: Promise<void> | undefined;
  #rescan = false;
  /** The last scan filled every free slot: more lapsed runs may be waiting for one. */
  #backlog = false;
  #renewFailing = false;
  #renewing: Promise<void> | undefined;

  constructor(options: LeaseKeeperOptions) {
    this.#o = options;
  }

  /** A lease for this gateway from now. */
  lease(): RunLease {
    return { owner: this.#o.owner, until: this.#o.clock.now() + this.#o.leaseMs };
  }

  /** Leases that end before this have lapsed (with an exclusive store: every lease not held here). */
  lapsedBefore(): number {
    return this.#o.exclusive ? Number.MAX_SAFE_INTEGER : this.#o.clock.now();
  }

  hold(id: string, until: number): void {
    this.#held.set(id, until);
  }

  holds(id: string): boolean {
    return this.#held.has(id);
  }

  /** Stops holding `id` (the run finished here). */
  drop(id: string): void {
    this.#held.delete(id);
  }

  held(): string[] {
    return [...this.#held.keys()];
  }

  /** Scans once, then renews and scans on timers until `close`. */
  async start(): Promise<void> {
    await this.scan();
    this.#every(this.#renewEveryMs(), () => this.renew());
    this.#every(this.#o.scanIntervalMs, () => this.scan());
  }

  /** A slot came free: scan at once if the last scan left lapsed runs behind for want of one. */
  slotFreed(): void {
    if (this.#backlog && !this.#closed) void this.scan();
  }

  /** Takes lapsed runs up to capacity and hands them to `adopt`. One scan at a time; a request during one runs another after it. */
  scan(): Promise<void> {
    if (this.#scanning !== undefined) {
      this.#rescan = true;
      return this.#scanning;
    }
    this.#scanning = (async () => {
      try {
        do {
          this.#rescan = false;
          await this.#scanOnce().catch((err: unknown) =>
            this.#o.logger.warn(
              { err },
              "cannot look for workflow runs to take over; retrying at the next scan",
            ),
          );
        } while (this.#rescan && !this.#closed);
      } finally {
        this.#scanning = undefined;
      }
    })();
    return this.#scanning;
  }

  async #scanOnce(): Promise<void> {
    if (this.#closed) return;
    const runs = this.#o.runs;
    const lease = this.lease();
    const before = this.lapsedBefore();
    const waiting = await runs.claimLapsed(lease, before, {
      status: "awaiting_approval",
      limit: MAX_WAITING_PER_SCAN,
      exclude: this.held(),
    });
    const free = this.#o.capacity();
    const running = await runs.claimLapsed(lease, before, {
      status: "running",
      limit: free,
      exclude: this.held(),
    });
    this.#backlog = free > 0 ? running.length === free : true;
    const taken = [...waiting, ...running];
    if (taken.length > 0) {
      this.#o.logger.info(
        { runs: taken.map((r) => r.id), gateway: this.#o.owner },
        "resuming unfinished workflow runs whose lease had lapsed",
      );
    }
    for (const run of taken) {
      this.#held.set(run.id, lease.until);
      if (this.#closed) continue; // close() releases what is held
      this.#o.adopt(run);
    }
  }

  /** Renews every held lease; reports runs lost to another gateway, lapsed ones, and requested actions. */
  renew(): Promise<void> {
    this.#renewing ??= this.#renewOnce().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #renewOnce(): Promise<void> {
    if (this.#closed) return;
    const ids = this.held();
    if (ids.length > 0) {
      const lease = this.lease();
      try {
        const still = await this.#o.runs.renew(lease, ids);
        if (this.#renewFailing) this.#o.logger.info("renewing workflow run leases again");
        this.#renewFailing = false;
        for (const id of ids) {
          if (!this.#held.has(id)) continue; // finished meanwhile
          if (!still.has(id)) {
            this.#held.delete(id);
            this.#o.lost(id, "taken");
            continue;
          }
          this.#held.set(id, lease.until);
          const action = still.get(id);
          if (action !== undefined) this.#o.requested(id, action);
        }
      } catch (err) {
        if (!this.#renewFailing)
          this.#o.logger.warn({ err }, "cannot renew workflow run leases; runs stop if their leases lapse");
        this.#renewFailing = true;
      }
    }
    // A lease that would lapse before the next renewal may be another gateway's by then: stop
    // now, so that two gateways never drive the run at once.
    const now = this.#o.clock.now();
    for (const [id, until] of [...this.#held]) {
      if (until - this.#renewEveryMs() > now) continue;
      this.#held.delete(id);
      this.#o.lost(id, "lapsed");
    }
  }

  /**
   * Stops the timers and waits for a scan or renewal in progress (a renewal landing after the
   * caller released the leases would extend them); the caller releases what is still held.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const cancel of this.#cancels.splice(0)) cancel();
    await Promise.all([this.#scanning, this.#renewing]);
  }

  #renewEveryMs(): number {
    return Math.max(1, Math.floor(this.#o.leaseMs / 3));
  }

  /** Runs `fn` every `ms` on the clock, each time `ms` after the previous run ended (never overlapping). */
  #every(ms: number, fn: () => Promise<void>): void {
    const schedule = () => {
      if (this.#closed) return;
      const cancel = this.#o.clock.setTimeout(() => {
        const at = this.#cancels.indexOf(cancel);
        if (at >= 0) this.#cancels.splice(at, 1);
        void fn().finally(schedule);
      }, ms);
      this.#cancels.push(cancel);
    };
    schedule();
  }
}
