/**
 * A circuit breaker for one endpoint. CLOSED → OPEN after K consecutive failures, or when the
 * failure rate over a sliding window reaches the threshold once the window holds N calls. OPEN
 * fails fast for an open period that doubles (by default) each time it re-opens without having
 * closed, up to a cap. After the period the next caller finds it HALF_OPEN, which admits at most
 * P probes at once: a failed probe re-opens it, a successful one closes it.
 *
 * There are no timers: OPEN → HALF_OPEN happens when a call arrives after the period, so an idle
 * breaker costs nothing and tests move time with a fake clock.
 */
import type { Clock, Code } from "@synapse/core";
import { codeOf } from "./codes.js";
import type { BreakerStateChange, CircuitStateName } from "./events.js";
import type { BreakerOptions } from "./options.js";
import { SlidingWindow } from "./sliding-window.js";

export type CircuitState =
  | { kind: "CLOSED"; consecutiveFailures: number }
  | { kind: "OPEN"; since: number; until: number }
  | { kind: "HALF_OPEN"; probesInFlight: number };

/** How a call ended, as far as the endpoint's health is concerned. */
export type Outcome = "success" | "failure" | "ignored";

/** Admission to call the endpoint; `release` exactly once with the outcome (later calls are no-ops). */
export interface BreakerPermit {
  release(outcome: Outcome): void;
}

export type Admission = { admitted: true; permit: BreakerPermit } | { admitted: false; retryAfterMs: number };

export class CircuitBreaker {
  readonly endpoint: string;
  readonly #options: BreakerOptions;
  readonly #clock: Clock;
  readonly #onChange: (change: BreakerStateChange) => void;
  readonly #failureCodes: ReadonlySet<Code>;
  readonly #window: SlidingWindow;
  #state: CircuitState = { kind: "CLOSED", consecutiveFailures: 0 };
  /** Bumped on every transition, so a permit from an earlier state cannot move the current one. */
  #generation = 0;
  /** Openings since the circuit last closed: the exponent of the open period. */
  #openings = 0;

  constructor(
    endpoint: string,
    options: BreakerOptions,
    clock: Clock,
    onChange: (change: BreakerStateChange) => void = () => {},
  ) {
    this.endpoint = endpoint;
    this.#options = options;
    this.#clock = clock;
    this.#onChange = onChange;
    this.#failureCodes = new Set(options.failureCodes);
    this.#window = new SlidingWindow(options.windowMs, options.windowBuckets);
  }

  /** The current state (an OPEN circuit whose period has passed reads as HALF_OPEN). */
  get state(): CircuitState {
    this.#refresh();
    return this.#state;
  }

  /** Classifies a call's end: no error is a success; a caller's cancellation is ignored. */
  classify(err: unknown, callerAborted: boolean): Outcome {
    if (callerAborted) return "ignored";
    if (err === undefined) return "success";
    return this.#failureCodes.has(codeOf(err)) ? "failure" : "success";
  }

  tryAcquire(): Admission {
    this.#refresh();
    const state = this.#state;
    const generation = this.#generation;
    switch (state.kind) {
      case "OPEN":
        return { admitted: false, retryAfterMs: state.until - this.#clock.now() };
      case "HALF_OPEN":
        if (state.probesInFlight >= this.#options.halfOpenProbes) {
          // The probe is still out; callers learn the earliest sensible retry is "soon".
          return { admitted: false, retryAfterMs: 0 };
        }
        state.probesInFlight++;
        return { admitted: true, permit: this.#permit(generation, true) };
      case "CLOSED":
        return { admitted: true, permit: this.#permit(generation, false) };
    }
  }

  #permit(generation: number, probe: boolean): BreakerPermit {
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        if (generation !== this.#generation) return;
        if (probe) this.#onProbeEnd(outcome);
        else this.#onClosedEnd(outcome);
      },
    };
  }

  #onProbeEnd(outcome: Outcome): void {
    const state = this.#state;
    if (state.kind !== "HALF_OPEN") return;
    state.probesInFlight--;
    if (outcome === "failure") this.#open();
    else if (outcome === "success") this.#transition({ kind: "CLOSED", consecutiveFailures: 0 });
  }

  #onClosedEnd(outcome: Outcome): void {
    const state = this.#state;
    if (state.kind !== "CLOSED" || outcome === "ignored") return;
    const now = this.#clock.now();
    const failed = outcome === "failure";
    this.#window.record(now, failed);
    state.consecutiveFailures = failed ? state.consecutiveFailures + 1 : 0;
    const { total, failures } = this.#window.totals(now);
    const o = this.#options;
    if (
      state.consecutiveFailures >= o.consecutiveFailures ||
      (total >= o.minimumCalls && failures / total >= o.failureRateThreshold)
    ) {
      this.#open();
    }
  }

  #open(): void {
    const o = this.#options;
    const period = Math.min(o.openBaseMs * o.openMultiplier ** this.#openings, o.openMaxMs);
    this.#openings++;
    const now = this.#clock.now();
    this.#transition({ kind: "OPEN", since: now, until: now + period });
  }

  #refresh(): void {
    if (this.#state.kind === "OPEN" && this.#clock.now() >= this.#state.until) {
      this.#transition({ kind: "HALF_OPEN", probesInFlight: 0 });
    }
  }

  #transition(next: CircuitState): void {
    const from: CircuitStateName = this.#state.kind;
    this.#state = next;
    this.#generation++;
    if (next.kind === "CLOSED") {
      this.#openings = 0;
    }
    // Each state starts with a clean slate: old failures must not re-open a circuit that just closed.
    this.#window.clear();
    this.#onChange({ endpoint: this.endpoint, from, to: next.kind, at: this.#clock.now() });
  }
}
