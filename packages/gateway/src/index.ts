export { buildGateway } from "./app.js";
export type { GatewayContext } from "./context.js";
export { GATEWAY_VERSION, type RunningGateway, runGateway, startGatewayProcess } from "./gateway-process.js";
export { IdempotencyStore } from "./idempotency.js";
export { GatewayMetrics } from "./metrics.js";
export { ResilientUpstream, type ResilientUpstreamOptions } from "./upstream/resilient-upstream.js";
export type { AgentHealth, ReplicaHealth, Upstream, UpstreamOptions } from "./upstream.js";
