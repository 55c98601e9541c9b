export * from "./grpc/index.js";
export * from "./jsonrpc/index.js";
