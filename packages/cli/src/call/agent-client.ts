/** The one face `synapse call` needs of either transport's client. */
import type { AgentRequest, AgentResponse, Config, StreamEvent } from "@synapse/core";
import { GrpcAgentClient, JsonRpcClient } from "@synapse/transport";
import type { Target } from "./target.js";

export interface AgentClient {
  invoke(request: AgentRequest, opts: { deadline: number }): Promise<AgentResponse>;
  stream(request: AgentRequest, opts: { deadline: number }): AsyncIterable<StreamEvent>;
  close(): Promise<void>;
}

/** A client for `target` over its transport. Close it when done, so the process can exit. */
export function openClient(target: Target, config: Config): AgentClient {
  if (target.transport === "grpc") {
    const client = new GrpcAgentClient(target.address, { maxMessageBytes: config.grpc.maxMessageBytes });
    return {
      invoke: (request, opts) => client.invoke(request, opts),
      stream: (request, opts) => client.stream(request, opts),
      close: async () => client.close(),
    };
  }
  const client = new JsonRpcClient({ host: target.host, port: target.port });
  return {
    invoke: (request, opts) => client.invoke(request, opts),
    stream: (request, opts) => client.stream(request, opts),
    close: () => client.close(),
  };
}
