export { AgentService, type AgentServiceOptions, CANCEL_GRACE_MS, SERVICE_VERSION } from "./agent-service.js";
export type { CallKind, CallRecord } from "./call-scope.js";
export { StreamLog } from "./stream-log.js";
export { StreamRegistry, type StreamRegistryOptions } from "./stream-registry.js";
export { type ValidRequest, validateRequest } from "./validate-request.js";
