export * from "./grpc/index.js";
