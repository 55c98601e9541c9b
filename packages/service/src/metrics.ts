/**
 * The service's Prometheus metrics: prom-client's default process metrics, plus calls by kind,
 * action and code, a call-duration histogram, and gauges for calls in flight and streams held.
 * Each service gets its own registry (no global state), labelled with agent and replica.
 */
import type { UsageRecord } from "@synapse/agents";
import type { AgentName } from "@synapse/core";
import { SummedCounter, SummedHistogram } from "@synapse/core/metrics";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { CallRecord } from "./call-scope.js";

const NON_COUNTER_TOTALS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** Call-duration buckets, in seconds: from a cached sim answer to a long model stream. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface ServiceMetricsOptions {
  agent: AgentName;
  replica: number;
  provider: string;
  model: string;
  /** Read at scrape time. */
  inFlight: () => number;
  /** Read at scrape time. */
  streamsHeld: () => number;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Counts one finished call (give it to AgentService's `onCallEnd`). */
  observe(record: CallRecord): void;
  /** Counts the tokens (and cost, when priced) of one model call. */
  observeUsage(record: UsageRecord): void;
}

export function createServiceMetrics(options: ServiceMetricsOptions): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ agent: options.agent, replica: String(options.replica) });
  collectDefaultMetrics({ register: registry });
  // prom-client also exports these gauges with a "_total" suffix, which Prometheus' naming rules
  // reserve for counters (`promtool check metrics` flags them); the same numbers stay available
  // without the suffix (nodejs_active_handles, …).
  for (const name of NON_COUNTER_TOTALS) registry.removeSingleMetric(name);
  const calls = new SummedCounter({
    name: "synapse_service_calls_total",
    help: "Calls answered by this service, by kind (invoke, stream, resume), action and result code.",
    labelNames: ["kind", "action", "code"] as const,
    registry,
  });
  const duration = new SummedHistogram({
    name: "synapse_service_call_duration_seconds",
    help: "Time from a call's arrival to its end (the final event for streams), in seconds.",
    labelNames: ["kind", "action", "code"] as const,
    buckets: DURATION_BUCKETS,
    registry,
  });
  new Gauge({
    name: "synapse_service_calls_in_flight",
    help: "Calls running now.",
    registers: [registry],
    collect() {
      this.set(options.inFlight());
    },
  });
  new Gauge({
    name: "synapse_service_streams_held",
    help: "Streams held for resume (running, or finished within the retention period).",
    registers: [registry],
    collect() {
      this.set(options.streamsHeld());
    },
  });
  new Gauge({
    name: "synapse_service_info",
    help: "Always 1; labels name the provider and model answering.",
    labelNames: ["provider", "model"] as const,
    registers: [registry],
  }).set({ provider: options.provider, model: options.model }, 1);
  const tokens = new SummedCounter({
    name: "synapse_service_tokens_total",
    help: "Tokens of the model calls made, by provider and direction (input, output).",
    labelNames: ["provider", "direction"] as const,
    registry,
  });
  const cost = new SummedCounter({
    name: "synapse_service_cost_usd_total",
    help: "Cost of the model calls made, in US dollars, where the agent's prices are configured.",
    labelNames: ["provider"] as const,
    registry,
  });
  return {
    registry,
    observeUsage(record) {
      tokens.inc([record.provider, "input"], record.inputTokens);
      tokens.inc([record.provider, "output"], record.outputTokens);
      if (record.costUsd !== undefined) cost.inc([record.provider], record.costUsd);
    },
    observe(record) {
      calls.inc([record.kind, record.action, record.code]);
      duration.observe([record.kind, record.action, record.code], record.durationMs / 1000);
    },
  };
}
