/**
 * The generated grpc-js client and service definition of synapse.v1.AgentService, used bare (no
 * Synapse client or server code around them) to measure the limit: grpc-js with the same
 * protobuf codec our transport uses. @synapse/transport does not export its generated code, so
 * this is the one place that reaches into its build (loaded from the repository root at run
 * time, because this file's compiled copy sits one folder deeper than its source).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { credentials, Metadata } from "@grpc/grpc-js";
import type * as Generated from "../../../packages/transport/dist/src/generated/synapse/v1/agent.js";
import { REPO_ROOT } from "../machine.js";

export type {
  AgentServiceClient,
  AgentServiceServer,
  InvokeRequest,
  InvokeResponse,
  StreamEvent,
} from "../../../packages/transport/dist/src/generated/synapse/v1/agent.js";

const GENERATED = join(REPO_ROOT, "packages/transport/dist/src/generated/synapse/v1/agent.js");
export const generated: typeof Generated = await import(pathToFileURL(GENERATED).href);

/** A bare generated client on one HTTP/2 connection to `address` ("host:port"). */
export function rawClient(address: string): Generated.AgentServiceClient {
  return new generated.AgentServiceClient(address, credentials.createInsecure());
}

/** One unary Invoke with the bare client. */
export function rawInvoke(
  client: Generated.AgentServiceClient,
  request: Generated.InvokeRequest,
): Promise<Generated.InvokeResponse> {
  return new Promise((resolve, reject) => {
    client.invoke(request, new Metadata(), {}, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** One server-streaming Stream with the bare client, every event collected. */
export async function rawStream(
  client: Generated.AgentServiceClient,
  request: Generated.InvokeRequest,
): Promise<Generated.StreamEvent[]> {
  const events: Generated.StreamEvent[] = [];
  for await (const event of client.stream(
    request,
    new Metadata(),
    {},
  ) as AsyncIterable<Generated.StreamEvent>) {
    events.push(event);
  }
  return events;
}
