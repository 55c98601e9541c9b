/**
 * The stateful balancer of one agent's replica pool. It receives the endpoint list (from
 * configuration or discovery), health (from the active checker or `setHealth`) and call outcomes
 * (which feed the strategy and passive outlier ejection), and publishes a synchronous `Picker`
 * snapshot whenever the pool, health or ejection changes. `pickEndpoint` is the hook the
 * resilience layer's retry asks before each attempt; `onStart` / `onFinish` report each attempt.
 */
import { type Call, type Clock, systemClock } from "@synapse/core";
import { ActiveHealthChecker, type ActiveHealthCheckerOptions } from "./active-health-checker.js";
import { createStrategy } from "./balancer-registry.js";
import { type Endpoint, validateEndpoints, weightOf } from "./endpoint.js";
import { Listeners } from "./listeners.js";
import { LoadTracker } from "./load-tracker.js";
import { OutlierDetector, type OutlierDetectorOptions, type OutlierEvent } from "./outlier-detector.js";
import { type PickContext, type Picker, type PickResult, TieredPicker } from "./picker.js";
import { DEFAULT_STRATEGY } from "./strategies.js";
import type { CallOutcome, Strategy, StrategyFactory } from "./strategy.js";

export interface AgentBalancerOptions {
  /** The pool's name in messages, e.g. the agent "claude". */
  name: string;
  /** A registered strategy name, or a factory for a custom one. Defaults to "round_robin". */
  strategy?: string | StrategyFactory;
  /** The initial endpoints. Defaults to none. */
  endpoints?: readonly Endpoint[];
  /** Passive outlier ejection settings, or false to turn it off. On by default with its defaults. */
  outlierDetection?: Omit<OutlierDetectorOptions, "clock"> | false;
  /** Active health checking settings; off unless given. Checks run between `start()` and `close()`. */
  healthCheck?: Omit<ActiveHealthCheckerOptions, "clock">;
  clock?: Clock;
  /** Uniform in [0, 1). Defaults to Math.random. */
  random?: () => number;
}

export type BalancerEvent =
  | OutlierEvent
  | { type: "health"; endpoint: string; healthy: boolean; at: number }
  | { type: "endpoints"; added: string[]; removed: string[]; at: number };

/** One endpoint's state, for /health and metrics. */
export interface EndpointStatus {
  id: string;
  host: string;
  port: number;
  weight: number;
  healthy: boolean;
  ejected: boolean;
  active: number;
}

export class AgentBalancer {
  readonly name: string;
  /** The strategy's registered name, or "custom" for a factory (a metrics label). */
  readonly strategyName: string;
  readonly #clock: Clock;
  readonly #strategy: Strategy;
  readonly #load = new LoadTracker();
  readonly #outliers: OutlierDetector | undefined;
  readonly #checker: ActiveHealthChecker | undefined;
  readonly #listeners = new Listeners<BalancerEvent>();
  readonly #unhealthy = new Set<string>();
  #endpoints: readonly Endpoint[] = [];
  #byId = new Map<string, Endpoint>();
  #picker: Picker;

  constructor(options: AgentBalancerOptions) {
    this.name = options.name;
    this.#clock = options.clock ?? systemClock;
    const context = { clock: this.#clock, random: options.random ?? Math.random, load: this.#load };
    const strategy = options.strategy ?? DEFAULT_STRATEGY;
    this.strategyName = typeof strategy === "string" ? strategy : "custom";
    this.#strategy = typeof strategy === "string" ? createStrategy(strategy, context) : strategy(context);
    if (options.outlierDetection !== false) {
      this.#outliers = new OutlierDetector({ ...options.outlierDetection, clock: this.#clock });
      this.#outliers.subscribe((event) => {
        this.#publish();
        this.#listeners.emit(event);
      });
    }
    if (options.healthCheck !== undefined) {
      this.#checker = new ActiveHealthChecker({ ...options.healthCheck, clock: this.#clock });
      this.#checker.subscribe((e) => this.setHealth(e.endpoint, e.healthy));
    }
    this.#picker = new TieredPicker([], this.#strategy, this.name);
    this.setEndpoints(options.endpoints ?? []);
  }

  /** Listens for ejections, returns, health changes and pool changes; returns a function that stops listening. */
  subscribe(listener: (event: BalancerEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Replaces the pool. Validates the list (INVALID_ARGUMENT on a bad one, leaving the pool as it
   * was); endpoints that stay — same id — keep their load, latency, health and ejection state.
   */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    const next = validateEndpoints(endpoints, `the ${this.name} replicas`);
    const ids = new Set(next.map((e) => e.id));
    const added = next.filter((e) => !this.#byId.has(e.id)).map((e) => e.id);
    const removed = this.#endpoints.filter((e) => !ids.has(e.id)).map((e) => e.id);
    this.#endpoints = next;
    this.#byId = new Map(next.map((e) => [e.id, e]));
    for (const id of removed) this.#unhealthy.delete(id);
    this.#load.retain(ids);
    this.#strategy.setEndpoints(next);
    this.#outliers?.setEndpoints(ids);
    this.#checker?.setEndpoints(next);
    this.#publish();
    if (added.length > 0 || removed.length > 0) {
      this.#listeners.emit({ type: "endpoints", added, removed, at: this.#clock.now() });
    }
  }

  /** The current pool. */
  get endpoints(): readonly Endpoint[] {
    return this.#endpoints;
  }

  /** The endpoint with this id, if it is in the pool. */
  endpoint(id: string): Endpoint | undefined {
    return this.#byId.get(id);
  }

  /** Marks an endpoint healthy or not (the active checker does this itself when configured). */
  setHealth(id: string, healthy: boolean): void {
    if (!this.#byId.has(id) || healthy === !this.#unhealthy.has(id)) return;
    if (healthy) this.#unhealthy.delete(id);
    else this.#unhealthy.add(id);
    this.#publish();
    this.#listeners.emit({ type: "health", endpoint: id, healthy, at: this.#clock.now() });
  }

  /** The current picker snapshot (replaced whenever the pool, health or ejection changes). */
  get picker(): Picker {
    return this.#picker;
  }

  /** Picks with the current picker. See `picker.ts` for the fallback order. */
  pick(context?: PickContext): PickResult {
    return this.#picker.pick(context);
  }

  /**
   * The resilience layer's hook: the id of the endpoint for the next attempt of `call`, avoiding
   * `exclude` and `call.avoidEndpoints` while any other endpoint is left; undefined when the pool is empty.
   */
  readonly pickEndpoint = (call: Call | undefined, exclude: ReadonlySet<string>): string | undefined => {
    const avoid = call?.avoidEndpoints;
    const merged = avoid === undefined || avoid.length === 0 ? exclude : new Set([...exclude, ...avoid]);
    const result = this.#picker.pick({ exclude: merged });
    return result.type === "complete" ? result.endpoint.id : undefined;
  };

  /** A call to `id` started. Pair every call with exactly one `onFinish`. */
  onStart(id: string): void {
    if (this.#byId.has(id)) this.#load.start(id);
  }

  /** A call to `id` ended: feeds the load, the strategy's latency and outlier ejection. */
  onFinish(id: string, outcome: CallOutcome): void {
    if (!this.#byId.has(id)) return; // removed meanwhile
    this.#load.finish(id);
    this.#strategy.onFinish?.(id, outcome);
    this.#outliers?.record(id, outcome);
  }

  /** Every endpoint's state, in pool order. */
  status(): EndpointStatus[] {
    return this.#endpoints.map((e) => ({
      id: e.id,
      host: e.host,
      port: e.port,
      weight: weightOf(e),
      healthy: !this.#unhealthy.has(e.id),
      ejected: this.#outliers?.isEjected(e.id) ?? false,
      active: this.#load.active(e.id),
    }));
  }

  /** Starts active health checks, if configured. */
  start(): void {
    this.#checker?.start();
  }

  /** Stops health checks and ejection timers. */
  close(): void {
    this.#checker?.stop();
    this.#outliers?.close();
  }

  #publish(): void {
    const entries = this.#endpoints.map((endpoint) => ({
      endpoint,
      usable: !this.#unhealthy.has(endpoint.id) && !(this.#outliers?.isEjected(endpoint.id) ?? false),
    }));
    this.#picker = new TieredPicker(entries, this.#strategy, this.name);
  }
}
