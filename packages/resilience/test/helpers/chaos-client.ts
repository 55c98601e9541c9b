/**
 * A ResilientClient over real transports (gRPC or JSON-RPC/TCP clients, one per endpoint), with a
 * record of what each transport attempt did, so a test can say which replica answered.
 */
import type { Call, CallOutput, Next } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import { GrpcAgentClient, grpcTransport, JsonRpcClient, jsonRpcTransport } from "@synapse/transport";
import { ResilientClient, type ResilientClientOptions } from "../../src/index.js";
import type { TransportName } from "./replicas.js";

export interface ChaosClient {
  client: ResilientClient;
  /** Each transport attempt in order: "<endpoint> ok" (a unary answer or an opened stream) or "<endpoint> <CODE>". */
  outcomes: string[];
  /** Waits for recorded streams to end, then closes every transport client. */
  close(): Promise<void>;
}

export type ChaosClientOptions = Omit<ResilientClientOptions, "endpoints" | "transportFor">;

export function chaosClient(
  transport: TransportName,
  endpoints: readonly string[],
  options: ChaosClientOptions = {},
): ChaosClient {
  const outcomes: string[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  const transportFor = (endpoint: string): Next => {
    let next: Next;
    if (transport === "grpc") {
      const grpc = new GrpcAgentClient(endpoint);
      closers.push(() => grpc.close());
      next = grpcTransport(grpc);
    } else {
      const [host, port] = endpoint.split(":");
      const tcp = new JsonRpcClient({ host: host ?? "127.0.0.1", port: Number(port) });
      closers.push(() => tcp.close());
      next = jsonRpcTransport(tcp);
    }
    const recorded = async <C extends Call>(call: C): Promise<CallOutput<C>> => {
      try {
        const output = await next(call);
        outcomes.push(`${endpoint} ok`);
        return output;
      } catch (err) {
        outcomes.push(`${endpoint} ${SynapseError.from(err).code}`);
        throw err;
      }
    };
    return recorded as Next;
  };
  const client = new ResilientClient({ ...options, endpoints: { claude: endpoints }, transportFor });
  return {
    client,
    outcomes,
    async close() {
      await client.close();
      await Promise.all(closers.map((close) => close()));
    },
  };
}
