export * from "./grpc/index.js";
export * from "./jsonrpc/index.js";
export * from "./pool/connection-pool.js";
