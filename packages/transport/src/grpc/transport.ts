/**
 * The gRPC client as the innermost function of the interceptor chain (packages/core
 * interceptor.ts): the resilience interceptors wrap this, and it does one attempt.
 */
import type { Call, CallOutput, Next } from "@synapse/core";
import type { GrpcAgentClient } from "./client.js";

/**
 * A Next that sends each call through `client`: a UnaryCall to `invoke`, a StreamCall to
 * `stream`, or to `resume` when `call.resume` is set. The call's signal, deadline and metadata
 * go with it (the call itself is the options object, so nothing is copied per call).
 */
export function grpcTransport(client: GrpcAgentClient): Next {
  async function send(call: Call): Promise<CallOutput> {
    if (!call.stream) return { stream: false, response: await client.invoke(call.request, call) };
    const events = call.resume
      ? client.resume(call.resume.streamId, call.resume.afterSeq, call)
      : client.stream(call.request, call);
    return { stream: true, events };
  }
  return send as Next;
}
