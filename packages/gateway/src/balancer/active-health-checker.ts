/**
 * Active health checking: every interval, ask each endpoint whether it is serving (the gateway
 * plugs in the gRPC health protocol client; this file knows nothing of transports). An endpoint
 * turns unhealthy after `unhealthyThreshold` failed checks in a row and healthy again after
 * `healthyThreshold` good ones. A check fails when it answers NOT_SERVING, throws, or takes longer
 * than `timeoutMs` (its signal is then aborted and a late answer is ignored).
 *
 * New endpoints start healthy: the passive signals (ejection) and the picker's fallback order
 * cover a replica that is down, and starting unhealthy would refuse traffic to a whole fresh pool
 * until the first round completes.
 */
import { type Clock, type HealthStatus, systemClock } from "@synapse/core";
import type { Endpoint } from "./endpoint.js";
import { Listeners } from "./listeners.js";
import { count, positive } from "./option-checks.js";

/** Asks one endpoint for its health; `signal` aborts when the check times out or the checker stops. */
export type HealthCheck = (endpoint: Endpoint, signal: AbortSignal) => Promise<HealthStatus>;

export interface ActiveHealthCheckerOptions {
  check: HealthCheck;
  /** Time between the starts of two rounds of checks, in milliseconds. Defaults to 5 s. */
  intervalMs?: number;
  /** Longest a check may take before it counts as failed, in milliseconds. Defaults to 1 s. */
  timeoutMs?: number;
  /** Failed checks in a row that make an endpoint unhealthy. Defaults to 2. */
  unhealthyThreshold?: number;
  /** Good checks in a row that make an unhealthy endpoint healthy again. Defaults to 1. */
  healthyThreshold?: number;
  clock?: Clock;
}

export interface HealthEvent {
  endpoint: string;
  healthy: boolean;
  at: number;
}

interface CheckState {
  endpoint: Endpoint;
  healthy: boolean;
  failures: number;
  successes: number;
  inFlight: AbortController | undefined;
}

export class ActiveHealthChecker {
  readonly #check: HealthCheck;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #unhealthyAfter: number;
  readonly #healthyAfter: number;
  readonly #clock: Clock;
  readonly #listeners = new Listeners<HealthEvent>();
  #state = new Map<string, CheckState>();
  #cancelTimer: (() => void) | undefined;

  constructor(options: ActiveHealthCheckerOptions) {
    this.#check = options.check;
    this.#intervalMs = positive(options.intervalMs ?? 5_000, "The health-check interval");
    this.#timeoutMs = positive(options.timeoutMs ?? 1_000, "The health-check timeout");
    this.#unhealthyAfter = count(options.unhealthyThreshold ?? 2, "The unhealthy threshold");
    this.#healthyAfter = count(options.healthyThreshold ?? 1, "The healthy threshold");
    this.#clock = options.clock ?? systemClock;
  }

  /** Listens for changes of health; returns a function that stops listening. */
  subscribe(listener: (event: HealthEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** The endpoints to check. Ones that stay keep their state; checks of removed ones are aborted. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    const next = new Map<string, CheckState>();
    for (const endpoint of endpoints) {
      const kept = this.#state.get(endpoint.id);
      if (kept !== undefined) kept.endpoint = endpoint;
      next.set(
        endpoint.id,
        kept ?? { endpoint, healthy: true, failures: 0, successes: 0, inFlight: undefined },
      );
    }
    for (const [id, state] of this.#state) if (!next.has(id)) state.inFlight?.abort();
    this.#state = next;
  }

  isHealthy(id: string): boolean {
    return this.#state.get(id)?.healthy ?? true;
  }

  /** Runs a round now and then one every interval, until `stop`. Calling it again does nothing. */
  start(): void {
    if (this.#cancelTimer !== undefined) return;
    const tick = () => {
      this.#cancelTimer = this.#clock.setTimeout(tick, this.#intervalMs);
      void this.runRound();
    };
    tick();
  }

  /** Stops the rounds and aborts the checks in flight. */
  stop(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    for (const state of this.#state.values()) state.inFlight?.abort();
  }

  /**
   * Checks every endpoint once (skipping one whose previous check is still in flight); resolves
   * when all checks have ended. Never rejects.
   */
  async runRound(): Promise<void> {
    await Promise.all(
      [...this.#state.values()].filter((s) => s.inFlight === undefined).map((s) => this.#run(s)),
    );
  }

  async #run(state: CheckState): Promise<void> {
    const controller = new AbortController();
    state.inFlight = controller;
    let cancelTimeout = () => {};
    const timedOut = new Promise<"timeout">((resolve) => {
      cancelTimeout = this.#clock.setTimeout(() => resolve("timeout"), this.#timeoutMs);
    });
    let result: HealthStatus | "timeout" | "error";
    try {
      result = await Promise.race([this.#check(state.endpoint, controller.signal), timedOut]);
    } catch {
      result = "error";
    } finally {
      cancelTimeout();
      state.inFlight = undefined;
    }
    // Aborted by `stop` or by removal: the answer says nothing about the endpoint.
    if (controller.signal.aborted) return;
    if (result === "timeout") controller.abort();
    // Removed and re-added while in flight: the answer belongs to the old entry.
    if (this.#state.get(state.endpoint.id) !== state) return;
    this.#record(state, result === "SERVING");
  }

  #record(state: CheckState, good: boolean): void {
    if (good) {
      state.failures = 0;
      state.successes += 1;
      if (!state.healthy && state.successes >= this.#healthyAfter) this.#set(state, true);
    } else {
      state.successes = 0;
      state.failures += 1;
      if (state.healthy && state.failures >= this.#unhealthyAfter) this.#set(state, false);
    }
  }

  #set(state: CheckState, healthy: boolean): void {
    state.healthy = healthy;
    this.#listeners.emit({ endpoint: state.endpoint.id, healthy, at: this.#clock.now() });
  }
}
