export { AgentService, type AgentServiceOptions, CANCEL_GRACE_MS, SERVICE_VERSION } from "./agent-service.js";
export type { CallKind, CallRecord } from "./call-scope.js";
export { createHealthServer, type HealthServer } from "./health-server.js";
export {
  createServiceMetrics,
  DURATION_BUCKETS,
  type ServiceMetrics,
  type ServiceMetricsOptions,
} from "./metrics.js";
export { type ReadyMessage, type RunningService, type RunServiceOptions, runService } from "./run-service.js";
export { startServiceProcess } from "./service-process.js";
export { StreamLog } from "./stream-log.js";
export { StreamRegistry, type StreamRegistryOptions } from "./stream-registry.js";
export { type ValidRequest, validateRequest } from "./validate-request.js";
