/**
 * `@synapse/transport/client`: what a caller of the agent services needs — the gRPC and
 * JSON-RPC clients, their chain transports and the connection pool — without the servers, gRPC
 * reflection and its descriptors, which the package's main entry also loads (~8 MiB resident
 * that the gateway, a client only, does not need).
 */
export { GrpcAgentClient, type GrpcCallOptions, type GrpcClientOptions } from "./grpc/client.js";
export { grpcTransport } from "./grpc/transport.js";
export {
  DEFAULT_CLIENT_MAX_LINE_BYTES,
  type JsonRpcCallOptions,
  JsonRpcClient,
  type JsonRpcClientOptions,
} from "./jsonrpc/client.js";
export { jsonRpcTransport } from "./jsonrpc/transport.js";
export * from "./pool/connection-pool.js";
