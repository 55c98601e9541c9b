/** What the client sends for the agent methods, the errors it raises itself, and how it reads answers. */
import type { AgentRequest, AgentResponse, Clock, StreamFinal } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import type { JsonRpcCallOptions } from "./client.js";

export function invokeParams(request: AgentRequest, opts: JsonRpcCallOptions): Record<string, unknown> {
  // Undefined members are left out by JSON.stringify.
  return {
    agent: request.agent,
    action: request.action,
    input: request.input,
    requestId: request.requestId,
    streamId: request.streamId,
    continuation: request.continuation,
    metadata: opts.metadata,
  };
}

export function deadlineOf(opts: JsonRpcCallOptions, clock: Clock): number | undefined {
  const { deadline, timeoutMs } = opts;
  if (timeoutMs === undefined || Number.isNaN(timeoutMs)) return deadline;
  const relative = clock.now() + timeoutMs;
  return deadline === undefined ? relative : Math.min(deadline, relative);
}

export function abortError(signal: AbortSignal): SynapseError {
  return signal.reason instanceof SynapseError
    ? signal.reason
    : new SynapseError("CANCELLED", "The call was cancelled.", { cause: signal.reason });
}

export function deadlineError(): SynapseError {
  return new SynapseError(
    "DEADLINE_EXCEEDED",
    "The call did not finish before its deadline; retry with a longer timeout.",
  );
}

export function malformed(method: string): SynapseError {
  return new SynapseError(
    "INTERNAL",
    `The server sent a malformed answer to ${method}; report this as a bug.`,
  );
}

export function expectObject(value: unknown, method: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw malformed(method);
  return value as Record<string, unknown>;
}

export function toFinal(value: unknown, method: string): StreamFinal {
  const v = expectObject(value, method);
  if (
    typeof v.streamId !== "string" ||
    typeof v.lastSeq !== "number" ||
    typeof v.hash !== "string" ||
    typeof v.response !== "object" ||
    v.response === null
  ) {
    throw malformed(method);
  }
  return {
    type: "final",
    streamId: v.streamId,
    lastSeq: v.lastSeq,
    hash: v.hash,
    response: v.response as AgentResponse,
  };
}
