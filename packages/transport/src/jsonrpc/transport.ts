/**
 * The JSON-RPC client as the innermost function of an interceptor chain (core's interceptor.ts):
 * the resilience layer wraps this `Next` exactly as it wraps the gRPC one.
 */
import type { Call, CallOutput, Next } from "@synapse/core";
import type { JsonRpcCallOptions, JsonRpcClient } from "./client.js";

/**
 * A unary call becomes `invoke`; a stream call `stream`, or `resume` when `call.resume` is set.
 * `call.deadline` is the call's deadline, `call.signal` cancels it, `call.metadata` travels as
 * params.metadata. Stream calls start when their events are first iterated.
 */
export function jsonRpcTransport(client: JsonRpcClient): Next {
  const next = async (call: Call): Promise<CallOutput> => {
    const opts: JsonRpcCallOptions = {
      signal: call.signal,
      deadline: call.deadline,
      metadata: call.metadata,
    };
    if (!call.stream) return { stream: false, response: await client.invoke(call.request, opts) };
    const events =
      call.resume === undefined
        ? client.stream(call.request, opts)
        : client.resume(call.resume.streamId, call.resume.afterSeq, opts);
    return { stream: true, events };
  };
  return next as Next;
}
