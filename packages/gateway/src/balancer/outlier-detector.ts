/**
 * Passive outlier ejection, after Envoy's consecutive-5xx detector: an endpoint whose last
 * `consecutiveFailures` calls all failed is taken out of rotation for
 * `baseEjectionMs × (times ejected)`, capped at `maxEjectionMs`, and returns by itself when that
 * time has passed. Successes (and failures the predicate does not count, such as INVALID_ARGUMENT)
 * reset the consecutive count.
 *
 * At most `maxEjectionPercent` of the pool (rounded down) is ejected at once, but one endpoint
 * always may be, so a pool of 1 or 2 can still eject its bad replica; an endpoint that reaches the
 * threshold while the quota is full is ejected on its next failure after room frees up.
 *
 * The multiplier decays like Envoy's: for every `baseEjectionMs` an endpoint spends back in
 * rotation without being ejected, "times ejected" drops by one. So a replica ejected again right
 * after returning stays out twice as long (30 s, 60 s, 90 s … 300 s), while one that stayed good
 * for 30 s per past ejection starts again from 30 s.
 */
import { type Clock, type Code, systemClock } from "@synapse/core";
import { Listeners } from "./listeners.js";
import { count, percent, positive } from "./option-checks.js";
import type { CallOutcome } from "./strategy.js";

/** The codes the circuit breaker counts as failures, and the default for ejection too. */
export const FAILURE_CODES: ReadonlySet<Code> = new Set<Code>([
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "INTERNAL",
  "UNKNOWN",
  "RESOURCE_EXHAUSTED",
]);

/** The default failure predicate: a failed call whose code is in FAILURE_CODES (no code counts as UNKNOWN). */
export function countsAsFailure(outcome: CallOutcome): boolean {
  return !outcome.ok && FAILURE_CODES.has(outcome.code ?? "UNKNOWN");
}

export interface OutlierDetectorOptions {
  /** Consecutive failures that eject an endpoint. Defaults to 5. */
  consecutiveFailures?: number;
  /** Ejection time of a first ejection, in milliseconds. Defaults to 30 s. */
  baseEjectionMs?: number;
  /** Longest ejection, in milliseconds (never below the base). Defaults to 300 s. */
  maxEjectionMs?: number;
  /** Largest share of the pool ejected at once, in percent (rounded down, but at least one endpoint). Defaults to 50. */
  maxEjectionPercent?: number;
  /** Which outcomes count as failures. Defaults to `countsAsFailure`. */
  isFailure?: (outcome: CallOutcome) => boolean;
  clock?: Clock;
}

export type OutlierEvent =
  | { type: "ejected"; endpoint: string; at: number; durationMs: number; timesEjected: number }
  | { type: "returned"; endpoint: string; at: number; durationMs: number };

interface EndpointState {
  consecutive: number;
  times: number;
  /** When it last came back into rotation (epoch ms). */
  returnedAt: number | undefined;
  /** Set while ejected. */
  ejection: { at: number; durationMs: number; cancel: () => void } | undefined;
}

export class OutlierDetector {
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #percent: number;
  readonly #isFailure: (outcome: CallOutcome) => boolean;
  readonly #clock: Clock;
  readonly #listeners = new Listeners<OutlierEvent>();
  #state = new Map<string, EndpointState>();

  constructor(options: OutlierDetectorOptions = {}) {
    this.#threshold = count(options.consecutiveFailures ?? 5, "The consecutive failures that eject");
    this.#baseMs = positive(options.baseEjectionMs ?? 30_000, "The base ejection time");
    this.#maxMs = Math.max(
      positive(options.maxEjectionMs ?? 300_000, "The longest ejection time"),
      this.#baseMs,
    );
    this.#percent = percent(options.maxEjectionPercent ?? 50, "The largest share of a pool ejected");
    this.#isFailure = options.isFailure ?? countsAsFailure;
    this.#clock = options.clock ?? systemClock;
  }

  /** Listens for ejections and returns; returns a function that stops listening. */
  subscribe(listener: (event: OutlierEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** The pool changed: endpoints that stay keep their state; removed ones are forgotten (without a "returned" event). */
  setEndpoints(ids: Iterable<string>): void {
    const next = new Map<string, EndpointState>();
    for (const id of ids) {
      next.set(
        id,
        this.#state.get(id) ?? { consecutive: 0, times: 0, returnedAt: undefined, ejection: undefined },
      );
    }
    for (const [id, state] of this.#state) if (!next.has(id)) state.ejection?.cancel();
    this.#state = next;
  }

  isEjected(id: string): boolean {
    return this.#state.get(id)?.ejection !== undefined;
  }

  /** Records how a call to `id` ended; may eject it. Outcomes of unknown or ejected endpoints are ignored. */
  record(id: string, outcome: CallOutcome): void {
    const state = this.#state.get(id);
    if (state === undefined || state.ejection !== undefined) return;
    if (!this.#isFailure(outcome)) {
      state.consecutive = 0;
      return;
    }
    state.consecutive += 1;
    if (state.consecutive >= this.#threshold && this.#ejectedCount() < this.#quota()) this.#eject(id, state);
  }

  /** Cancels every return timer (the endpoints stay ejected). */
  close(): void {
    for (const state of this.#state.values()) state.ejection?.cancel();
  }

  #quota(): number {
    return Math.max(1, Math.floor((this.#state.size * this.#percent) / 100));
  }

  #ejectedCount(): number {
    let n = 0;
    for (const state of this.#state.values()) if (state.ejection !== undefined) n += 1;
    return n;
  }

  #eject(id: string, state: EndpointState): void {
    const at = this.#clock.now();
    const decay = state.returnedAt === undefined ? 0 : Math.floor((at - state.returnedAt) / this.#baseMs);
    // Capped so that decay from the cap takes a bounded time.
    state.times = Math.min(Math.max(state.times - decay, 0) + 1, Math.ceil(this.#maxMs / this.#baseMs));
    const durationMs = Math.min(this.#baseMs * state.times, this.#maxMs);
    state.consecutive = 0;
    const cancel = this.#clock.setTimeout(() => this.#return(id, state), durationMs);
    state.ejection = { at, durationMs, cancel };
    this.#listeners.emit({ type: "ejected", endpoint: id, at, durationMs, timesEjected: state.times });
  }

  #return(id: string, state: EndpointState): void {
    if (this.#state.get(id) !== state || state.ejection === undefined) return;
    const { durationMs } = state.ejection;
    state.ejection = undefined;
    state.returnedAt = this.#clock.now();
    this.#listeners.emit({ type: "returned", endpoint: id, at: state.returnedAt, durationMs });
  }
}
