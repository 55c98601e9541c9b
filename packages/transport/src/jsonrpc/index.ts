/** JSON-RPC 2.0 over TCP: server, client, and the client as an interceptor-chain transport. */
export { type JsonRpcMethodRegistry, registerAgentMethods } from "./agent-methods.js";
export { JSONRPC_METHODS } from "./agent-wire.js";
export {
  DEFAULT_CLIENT_MAX_LINE_BYTES,
  type JsonRpcCallOptions,
  JsonRpcClient,
  type JsonRpcClientOptions,
} from "./client.js";
export type { JsonRpcMethod, JsonRpcMethodContext } from "./method.js";
export type {
  JsonRpcError,
  JsonRpcErrorData,
  JsonRpcId,
  JsonRpcParams,
  JsonRpcResponse,
} from "./protocol.js";
export { synapseFromJsonRpc } from "./protocol.js";
export { createJsonRpcServer, type JsonRpcServer, type JsonRpcServerOptions } from "./server.js";
export { jsonRpcTransport } from "./transport.js";
