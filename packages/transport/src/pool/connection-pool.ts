/**
 * A pool of multiplexed connections to one replica, for either transport. Unlike a database
 * pool, a connection here carries many calls at once (HTTP/2 streams, JSON-RPC ids), so a lease
 * shares a connection up to `maxConcurrentPerConnection` calls; a new connection is opened only
 * when every open one is full. Generic pools (generic-pool, tarn) lend a resource to one borrower
 * at a time, which would cap a replica at `max` concurrent calls — hence this small one.
 *
 * - min / max connections; `acquire` waits in FIFO order up to `acquireTimeoutMs`, then fails
 *   RESOURCE_EXHAUSTED with a clear message.
 * - idle eviction: connections with no calls for `idleTimeoutMs` close, down to `min`.
 * - health validation: a connection the connector reports unhealthy is closed and replaced.
 */
import { type Clock, SynapseError, systemClock } from "@synapse/core";

export interface Connector<C> {
  connect(): Promise<C>;
  close(connection: C): Promise<void>;
  /** False when the connection is broken (socket closed, channel shut down); it is then replaced. */
  isHealthy(connection: C): boolean;
}

export interface PoolOptions {
  /** Connections kept open even when idle. Defaults to 1. */
  min: number;
  /** Connections at most. Defaults to 4. */
  max: number;
  /** Calls sharing one connection at most. Defaults to 100. */
  maxConcurrentPerConnection: number;
  /** How long `acquire` waits for room before RESOURCE_EXHAUSTED, in ms. Defaults to 5 seconds. */
  acquireTimeoutMs: number;
  /** Idle time after which a connection above `min` is closed, in ms. Defaults to 60 seconds. */
  idleTimeoutMs: number;
  /** Waiting calls at most; more fail at once with RESOURCE_EXHAUSTED. Defaults to 1,000. */
  maxWaiters: number;
}

export const POOL_DEFAULTS: PoolOptions = {
  min: 1,
  max: 4,
  maxConcurrentPerConnection: 100,
  acquireTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxWaiters: 1_000,
};

export type ConnectionState = "connecting" | "idle" | "busy";

interface Slot<C> {
  connection: C | undefined;
  state: ConnectionState;
  active: number;
  idleSince: number;
  ready: Promise<C>;
}

interface Waiter<C> {
  resolve(lease: Lease<C>): void;
  reject(err: unknown): void;
  cancelTimer: () => void;
}

export interface Lease<C> {
  connection: C;
  /** Gives the call's share of the connection back; call exactly once. */
  release(): void;
}

export interface PoolStats {
  connecting: number;
  idle: number;
  busy: number;
  waiters: number;
  activeCalls: number;
}

export class ConnectionPool<C> {
  private readonly options: PoolOptions;
  private readonly slots = new Set<Slot<C>>();
  private readonly waiters: Waiter<C>[] = [];
  private closed = false;
  private readonly stopSweep: () => void;

  constructor(
    private readonly name: string,
    private readonly connector: Connector<C>,
    options: Partial<PoolOptions> = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.options = { ...POOL_DEFAULTS, ...options };
    if (this.options.min > this.options.max) throw new RangeError(`pool ${name}: min > max`);
    this.stopSweep = this.scheduleSweep();
  }

  /** Opens `min` connections; failures are left for `acquire` to retry. */
  async warm(): Promise<void> {
    while (this.slots.size < this.options.min) this.open();
    await Promise.allSettled([...this.slots].map((s) => s.ready));
  }

  /** A share of a connection with room for one more call. */
  async acquire(): Promise<Lease<C>> {
    if (this.closed) throw new SynapseError("UNAVAILABLE", `Connection pool for ${this.name} is closed.`);
    const slot = this.pickSlot();
    if (slot) return this.lease(slot);
    if (this.slots.size < this.options.max) return this.lease(this.open());
    if (this.waiters.length >= this.options.maxWaiters) throw this.exhausted("too many calls waiting");
    return new Promise<Lease<C>>((resolve, reject) => {
      const waiter: Waiter<C> = {
        resolve,
        reject,
        cancelTimer: this.clock.setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(this.exhausted(`no connection free within ${this.options.acquireTimeoutMs} ms`));
        }, this.options.acquireTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * A share of an open connection with room, at once, or undefined when getting one means
   * waiting (connecting, opening one, a full pool, a closed pool: `acquire` handles those).
   * The common case without the two promises `acquire` costs.
   */
  tryAcquire(): Lease<C> | undefined {
    if (this.closed) return undefined;
    const slot = this.pickSlot();
    if (slot === undefined || slot.connection === undefined) return undefined;
    slot.active += 1;
    if (slot.state === "idle") slot.state = "busy";
    return this.leaseOf(slot, slot.connection);
  }

  stats(): PoolStats {
    const stats: PoolStats = {
      connecting: 0,
      idle: 0,
      busy: 0,
      waiters: this.waiters.length,
      activeCalls: 0,
    };
    for (const slot of this.slots) {
      stats[slot.state] += 1;
      stats.activeCalls += slot.active;
    }
    return stats;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopSweep();
    for (const waiter of this.waiters.splice(0)) {
      waiter.cancelTimer();
      waiter.reject(new SynapseError("UNAVAILABLE", `Connection pool for ${this.name} is closed.`));
    }
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.allSettled(slots.map(async (s) => this.connector.close(await s.ready)));
  }

  private pickSlot(): Slot<C> | undefined {
    let best: Slot<C> | undefined;
    for (const slot of this.slots) {
      if (
        slot.state !== "connecting" &&
        slot.connection !== undefined &&
        !this.connector.isHealthy(slot.connection)
      ) {
        this.discard(slot);
        continue;
      }
      if (slot.active >= this.options.maxConcurrentPerConnection) continue;
      // Prefer ready connections, then the least loaded.
      if (
        !best ||
        (best.state === "connecting" && slot.state !== "connecting") ||
        slot.active < best.active
      ) {
        best = slot;
      }
    }
    return best;
  }

  private open(): Slot<C> {
    const slot: Slot<C> = {
      connection: undefined,
      state: "connecting",
      active: 0,
      idleSince: this.clock.now(),
      ready: Promise.resolve(undefined as never),
    };
    slot.ready = this.connector.connect().then(
      (connection) => {
        slot.connection = connection;
        slot.state = slot.active > 0 ? "busy" : "idle";
        return connection;
      },
      (err: unknown) => {
        this.slots.delete(slot);
        throw SynapseError.from(err, "UNAVAILABLE");
      },
    );
    slot.ready.catch(() => undefined);
    this.slots.add(slot);
    return slot;
  }

  private async lease(slot: Slot<C>): Promise<Lease<C>> {
    slot.active += 1;
    if (slot.state === "idle") slot.state = "busy";
    let connection: C;
    try {
      connection = await slot.ready;
    } catch (err) {
      slot.active -= 1;
      throw err;
    }
    return this.leaseOf(slot, connection);
  }

  private leaseOf(slot: Slot<C>, connection: C): Lease<C> {
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        this.release(slot);
      },
    };
  }

  private release(slot: Slot<C>): void {
    slot.active -= 1;
    if (slot.active === 0 && slot.state === "busy") {
      slot.state = "idle";
      slot.idleSince = this.clock.now();
    }
    if (!this.slots.has(slot)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.cancelTimer();
      this.lease(slot).then(waiter.resolve, waiter.reject);
    }
  }

  private discard(slot: Slot<C>): void {
    this.slots.delete(slot);
    if (slot.connection !== undefined) this.connector.close(slot.connection).catch(() => undefined);
  }

  private scheduleSweep(): () => void {
    let cancel = () => {};
    const tick = () => {
      this.sweep();
      if (!this.closed) cancel = this.clock.setTimeout(tick, Math.max(100, this.options.idleTimeoutMs / 2));
    };
    cancel = this.clock.setTimeout(tick, Math.max(100, this.options.idleTimeoutMs / 2));
    return () => cancel();
  }

  /** Closes connections idle longer than idleTimeoutMs (down to min) and broken ones. */
  sweep(): void {
    const now = this.clock.now();
    for (const slot of this.slots) {
      if (slot.state === "connecting" || slot.connection === undefined) continue;
      if (!this.connector.isHealthy(slot.connection)) {
        if (slot.active === 0) this.discard(slot);
        continue;
      }
      if (
        slot.active === 0 &&
        this.slots.size > this.options.min &&
        now - slot.idleSince >= this.options.idleTimeoutMs
      ) {
        this.discard(slot);
      }
    }
  }

  private exhausted(reason: string): SynapseError {
    return new SynapseError(
      "RESOURCE_EXHAUSTED",
      `Connection pool for ${this.name} is exhausted: ${reason} (max ${this.options.max} connections × ${this.options.maxConcurrentPerConnection} calls).`,
      { details: { pool: this.name } },
    );
  }
}
