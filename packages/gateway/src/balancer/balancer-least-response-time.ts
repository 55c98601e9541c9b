/**
 * `least_response_time`: power of two choices over Finagle's peak-EWMA cost,
 * cost = ewma(latency) × (active calls + 1), so a replica is avoided as soon as it is slower or
 * has a queue, and tried again once its estimate decays (see `peak-ewma.ts`).
 *
 * Replicas without a latency sample yet (new, or never answered) follow a first-probe rule: with
 * no call in flight they cost 0, so the first P2C draw that includes them sends them one call — a
 * probe — and they get their first sample quickly (each pick draws a given replica with
 * probability 2/n). While that probe is in flight they cost `penaltyMs` per call in flight, far
 * above any real replica, so an unmeasured replica never receives a burst before it has shown how
 * fast it is. A probe that never answers is ended by the caller's timeout, and the next one follows.
 *
 * Failed calls feed the estimate only when they have a sample already and were slower than it
 * (a timeout is evidence of slowness); a fast failure is no evidence of speed, and is left to
 * outlier ejection.
 */
import { registerBalancer } from "./balancer-registry.js";
import type { Endpoint } from "./endpoint.js";
import { positive } from "./option-checks.js";
import { DEFAULT_EWMA_TAU_MS, PeakEwma } from "./peak-ewma.js";
import { pickTwo } from "./power-of-two.js";
import type { CallOutcome, Strategy, StrategyContext } from "./strategy.js";

export interface LeastResponseTimeOptions {
  /** EWMA decay time constant in milliseconds. Defaults to 10 s. */
  tauMs?: number;
  /** Cost per call in flight of a replica without a latency sample, in milliseconds. Defaults to 60 s. */
  penaltyMs?: number;
}

export class LeastResponseTimeStrategy implements Strategy {
  readonly #context: StrategyContext;
  readonly #tauMs: number;
  readonly #penaltyMs: number;
  #ewma = new Map<string, PeakEwma>();

  constructor(context: StrategyContext, options: LeastResponseTimeOptions = {}) {
    this.#context = context;
    this.#tauMs = positive(options.tauMs ?? DEFAULT_EWMA_TAU_MS, "The EWMA time constant");
    this.#penaltyMs = positive(options.penaltyMs ?? 60_000, "The cost of an unmeasured replica");
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.#ewma = new Map(endpoints.map((e) => [e.id, this.#ewma.get(e.id) ?? new PeakEwma(this.#tauMs)]));
  }

  choose(candidates: readonly Endpoint[]): Endpoint {
    const now = this.#context.clock.now();
    return pickTwo(candidates, (e) => this.cost(e.id, now), this.#context.random);
  }

  onFinish(id: string, outcome: CallOutcome): void {
    const ewma = this.#ewma.get(id);
    if (ewma === undefined) return; // removed while the call was in flight
    const now = this.#context.clock.now();
    if (!outcome.ok && !(ewma.hasSample && outcome.latencyMs > ewma.value(now))) return;
    ewma.observe(Math.max(outcome.latencyMs, 0), now);
  }

  /** The cost of endpoint `id` at `now` (epoch ms); exposed for metrics and tests. */
  cost(id: string, now: number): number {
    const active = this.#context.load.active(id);
    const ewma = this.#ewma.get(id);
    if (ewma === undefined || !ewma.hasSample) return active === 0 ? 0 : this.#penaltyMs * active;
    return ewma.value(now) * (active + 1);
  }
}

registerBalancer("least_response_time", (context) => new LeastResponseTimeStrategy(context));
