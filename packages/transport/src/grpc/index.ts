export { GrpcAgentClient, type GrpcCallOptions, type GrpcClientOptions } from "./client.js";
export { AGENT_SERVICE_NAME } from "./health.js";
export { clientOptions, DEFAULT_MAX_MESSAGE_BYTES, serverOptions } from "./options.js";
export { createGrpcServer, type GrpcServer, type GrpcServerOptions } from "./server.js";
export { PUSHBACK_TRAILER } from "./status.js";
export { grpcTransport } from "./transport.js";
