/**
 * The agent methods, served from an AgentHandler. They are ordinary registrations on the server,
 * so the protocol layer knows nothing about agents.
 */
import type { AgentHandler, CallContext, StreamEvent } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import { parseInvokeParams, parseResumeParams } from "./agent-params.js";
import { type ChunkParams, JSONRPC_METHODS, type StreamFinalResult } from "./agent-wire.js";
import type { JsonRpcMethod, JsonRpcMethodContext } from "./method.js";

export interface JsonRpcMethodRegistry {
  method(name: string, fn: JsonRpcMethod): unknown;
}

/** Registers agent.invoke, agent.stream, agent.resume, agent.describe and health.check. */
export function registerAgentMethods(registry: JsonRpcMethodRegistry, handler: AgentHandler): void {
  registry.method(JSONRPC_METHODS.invoke, (params, ctx) => {
    const p = parseInvokeParams(params, JSONRPC_METHODS.invoke);
    return handler.invoke(p.request, callContext(ctx, p));
  });
  registry.method(JSONRPC_METHODS.stream, (params, ctx) => {
    const p = parseInvokeParams(params, JSONRPC_METHODS.stream);
    return pipeStream(handler.stream(p.request, callContext(ctx, p)), ctx);
  });
  registry.method(JSONRPC_METHODS.resume, (params, ctx) => {
    const p = parseResumeParams(params);
    return pipeStream(handler.resume(p.streamId, p.afterSeq, callContext(ctx, p)), ctx);
  });
  registry.method(JSONRPC_METHODS.describe, () => handler.describe());
  registry.method(JSONRPC_METHODS.health, () => ({ status: handler.health() }));
}

function callContext(
  ctx: JsonRpcMethodContext,
  p: { timeoutMs: number | undefined; metadata: Record<string, string> },
): CallContext {
  const deadline = p.timeoutMs === undefined ? undefined : ctx.setTimeout(p.timeoutMs);
  return new MethodCallContext(ctx, deadline, p.metadata);
}

/**
 * The connection owns the signal and the deadline's timer; the service aborts through it. The
 * signal is made only when read (see CallContext.aborted); a class, so that `signal` is a getter
 * on the prototype (V8 keeps object literals with getters on a slow path, ~2 µs a call).
 */
class MethodCallContext implements CallContext {
  constructor(
    private readonly ctx: JsonRpcMethodContext,
    readonly deadline: number | undefined,
    readonly metadata: Record<string, string>,
  ) {}

  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  readonly abort = (reason: SynapseError): void => this.ctx.abort(reason);

  aborted(): boolean {
    return this.ctx.aborted;
  }
}

/**
 * Sends each chunk as an `agent.chunk` notification and answers with the final event. The first
 * chunk leaves at once (time to first token is what a stream is for); the rest go out batched
 * per event-loop turn. Waits for
 * the socket to drain when its buffer is full, so a slow reader slows the stream instead of
 * filling the server's memory.
 */
async function pipeStream(
  events: AsyncIterable<StreamEvent>,
  ctx: JsonRpcMethodContext,
): Promise<StreamFinalResult> {
  const id = ctx.id ?? null;
  let first = true;
  for await (const event of events) {
    // Leaving the loop calls the iterator's return(), which stops the handler's stream.
    if (ctx.signal.aborted) break;
    if (event.type === "chunk") {
      const params: ChunkParams = { id, streamId: event.streamId, seq: event.seq, text: event.text };
      const full = ctx.notify(JSONRPC_METHODS.chunk, params, { flush: first });
      first = false;
      if (full !== undefined) await full;
    } else {
      return { streamId: event.streamId, lastSeq: event.lastSeq, hash: event.hash, response: event.response };
    }
  }
  if (ctx.signal.aborted) throw ctx.signal.reason;
  throw new SynapseError("INTERNAL", "The agent's stream ended without a final event; retry the call.");
}
