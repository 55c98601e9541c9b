/** What the gateway's plugins share, decorated nowhere: passed explicitly to each plugin. */
import type { Config, Logger, Tracing } from "@synapse/core";
import type { RedisClient } from "@synapse/resilience";
import type { Idempotency } from "./idempotency.js";
import type { GatewayMetrics } from "./metrics.js";
import type { Upstream } from "./upstream.js";
import type { WorkflowEngine } from "./workflow/workflow-engine.js";

export interface GatewayContext {
  config: Config;
  upstream: Upstream;
  metrics: GatewayMetrics;
  idempotency: Idempotency;
  /** Shared mode's Redis (rate-limit counters live there); undefined when state is embedded. */
  redis?: RedisClient;
  logger: Logger;
  workflows: WorkflowEngine;
  startedAt: number;
  version: string;
  /** Spans for API requests (plugins/tracing.ts). Defaults to none. */
  tracing?: Tracing;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Agent and action of the request, for metrics labels. */
    labels?: { agent: string; action: string };
    /** Milliseconds spent waiting on the upstream (unary requests), for the overhead metric. */
    upstreamMs?: number;
    /** Who is calling: a hash prefix of the API key, or the client address without keys. */
    principal?: string;
    /** Already counted in the request metrics (routes/metrics.ts counts each request once). */
    counted?: boolean;
  }
  interface FastifyContextConfig {
    agent?: string;
    action?: string;
  }
}
