/**
 * The gateway's Prometheus metrics (prom-client), named by Prometheus conventions: a
 * `synapse_gateway_` prefix, base units (seconds), `_total` on counters. One registry per
 * gateway instance, so two gateways in one process (tests) do not share counters. The series
 * updated on every request are summed in plain numbers and read at scrape time (SummedCounter,
 * SummedHistogram: their label values are given in `labelNames` order); prom-client's own updates
 * build and hash a label string each, eight per request, 3–4 % of the gateway's CPU (profiled).
 */
import { SummedCounter, SummedHistogram } from "@synapse/core/metrics";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new SummedCounter({
    name: "synapse_gateway_requests_total",
    help: "HTTP requests answered, by route, agent, action and status code.",
    labelNames: ["route", "agent", "action", "status"] as const,
    registry: this.registry,
  });

  readonly requestDuration = new SummedHistogram({
    name: "synapse_gateway_request_duration_seconds",
    help: "Time from request to response (to the end of the stream for SSE), by route, agent, action and status.",
    labelNames: ["route", "agent", "action", "status"] as const,
    buckets: LATENCY_BUCKETS,
    registry: this.registry,
  });

  readonly overhead = new SummedHistogram({
    name: "synapse_gateway_overhead_seconds",
    help: "Time spent in the gateway itself on unary requests, excluding the upstream call.",
    labelNames: ["route"] as const,
    buckets: OVERHEAD_BUCKETS,
    registry: this.registry,
  });

  readonly upstreamAttempts = new SummedCounter({
    name: "synapse_gateway_upstream_attempts_total",
    help: "Calls to agent replicas, by agent, replica and outcome code.",
    labelNames: ["agent", "replica", "outcome"] as const,
    registry: this.registry,
  });

  readonly upstreamDuration = new SummedHistogram({
    name: "synapse_gateway_upstream_duration_seconds",
    help: "Duration of calls to agent replicas, by agent and replica.",
    labelNames: ["agent", "replica"] as const,
    buckets: LATENCY_BUCKETS,
    registry: this.registry,
  });

  readonly retries = new Counter({
    name: "synapse_gateway_retries_total",
    help: "Retries of failed upstream attempts, by agent and the code that caused them.",
    labelNames: ["agent", "code"],
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: "synapse_gateway_breaker_state",
    help: "Circuit breaker state per replica: 0 closed, 1 half-open, 2 open.",
    labelNames: ["agent", "replica"],
    registers: [this.registry],
  });

  readonly breakerTransitions = new Counter({
    name: "synapse_gateway_breaker_transitions_total",
    help: "Circuit breaker state changes per replica, by the state entered.",
    labelNames: ["agent", "replica", "state"],
    registers: [this.registry],
  });

  readonly ejections = new Counter({
    name: "synapse_gateway_ejections_total",
    help: "Replicas ejected by passive outlier detection.",
    labelNames: ["agent", "replica"],
    registers: [this.registry],
  });

  readonly replicaUp = new Gauge({
    name: "synapse_gateway_replica_up",
    help: "1 when a replica is healthy and not ejected, else 0.",
    labelNames: ["agent", "replica"],
    registers: [this.registry],
  });

  readonly picks = new SummedCounter({
    name: "synapse_gateway_balancer_picks_total",
    help: "Replicas picked by the load balancer, by agent, replica and strategy.",
    labelNames: ["agent", "replica", "strategy"] as const,
    registry: this.registry,
  });

  readonly poolConnections = new Gauge({
    name: "synapse_gateway_pool_connections",
    help: "Pooled connections per replica, by state (idle, busy, connecting).",
    labelNames: ["agent", "replica", "state"],
    registers: [this.registry],
  });

  readonly poolWaiters = new Gauge({
    name: "synapse_gateway_pool_waiters",
    help: "Calls waiting for a pooled connection, per replica.",
    labelNames: ["agent", "replica"],
    registers: [this.registry],
  });

  readonly fallbacks = new Counter({
    name: "synapse_gateway_fallbacks_total",
    help: "Answers not from a provider, by agent, action and kind (cache or rule).",
    labelNames: ["agent", "action", "kind"],
    registers: [this.registry],
  });

  readonly streamResumes = new Counter({
    name: "synapse_gateway_stream_resumes_total",
    help: "Streams resumed, by how (client: Last-Event-ID or /streams; upstream: continued on another replica).",
    labelNames: ["by"],
    registers: [this.registry],
  });

  readonly activeStreams = new Gauge({
    name: "synapse_gateway_active_streams",
    help: "Upstream streams running now.",
    registers: [this.registry],
  });

  readonly tokens = new SummedCounter({
    name: "synapse_gateway_tokens_total",
    help: "Tokens used, by agent, provider and direction (input or output).",
    labelNames: ["agent", "provider", "direction"] as const,
    registry: this.registry,
  });

  readonly workflowRuns = new Counter({
    name: "synapse_workflow_runs_total",
    help: "Workflow runs that ended, by workflow and status (succeeded, failed, cancelled, rejected).",
    labelNames: ["workflow", "status"],
    registers: [this.registry],
  });

  readonly workflowRunsActive = new Gauge({
    name: "synapse_workflow_runs_active",
    help: "Workflow runs executing now in this gateway (runs awaiting approval are not counted).",
    registers: [this.registry],
  });

  readonly workflowStepDuration = new Histogram({
    name: "synapse_workflow_step_duration_seconds",
    help: "Duration of workflow steps (one agent call each), by workflow and step.",
    labelNames: ["workflow", "step"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });

  readonly workflowReviewRounds = new Histogram({
    name: "synapse_workflow_review_rounds",
    help: "Loop rounds (the review loop going back to code) per finished workflow run.",
    buckets: [0, 1, 2, 3, 4, 5, 10, 20],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "synapse_gateway_" });
    // prom-client also exports these gauges with a "_total" suffix, which Prometheus' naming
    // rules reserve for counters (`promtool check metrics` flags them); the same numbers stay
    // available without the suffix.
    for (const name of ["active_handles_total", "active_requests_total", "active_resources_total"]) {
      this.registry.removeSingleMetric(`synapse_gateway_nodejs_${name}`);
    }
  }
}
