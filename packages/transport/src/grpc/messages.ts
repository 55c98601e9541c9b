/**
 * Core contract types ⇄ the generated protobuf messages. ts-proto decodes
 * google.protobuf.Struct fields to plain objects, so inputs and results pass through as they are.
 * The server validates what it receives here, once, at the edge.
 */
import {
  type ActionName,
  AGENTS,
  type AgentName,
  type AgentRequest,
  type AgentResponse,
  type FallbackInfo,
  type ServiceDescription,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import type * as pb from "../generated/synapse/v1/agent.js";

// ---- requests -------------------------------------------------------------------------------

export function toInvokeRequest(request: AgentRequest): pb.InvokeRequest {
  return {
    agent: request.agent,
    action: request.action,
    input: request.input,
    requestId: request.requestId ?? "",
    streamId: request.streamId ?? "",
    continuation: request.continuation,
  };
}

/**
 * The AgentRequest in an InvokeRequest. Throws INVALID_ARGUMENT when agent or action is empty;
 * whether they name a real agent and action is the handler's to say (NOT_FOUND).
 * `requestId` falls back to the `x-request-id` metadata.
 */
export function fromInvokeRequest(message: pb.InvokeRequest, metadataRequestId?: string): AgentRequest {
  if (message.agent === "") {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `The request names no agent: set "agent" to one of ${AGENTS.join(", ")}.`,
    );
  }
  if (message.action === "") {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `The request names no action: set "action" to an action of agent "${message.agent}".`,
    );
  }
  const request: AgentRequest = {
    // The handler checks these name a known agent and action (NOT_FOUND otherwise).
    agent: message.agent as AgentName,
    action: message.action as ActionName,
    input: (message.input as Record<string, unknown> | undefined) ?? {},
  };
  const requestId = message.requestId || metadataRequestId;
  if (requestId) request.requestId = requestId;
  if (message.streamId !== "") request.streamId = message.streamId;
  if (message.continuation !== undefined) {
    request.continuation = { text: message.continuation.text, afterSeq: message.continuation.afterSeq };
  }
  return request;
}

/** Throws INVALID_ARGUMENT when a resume request names no stream. */
export function checkResumeRequest(message: pb.ResumeRequest): void {
  if (message.streamId === "") {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      'The resume request names no stream: set "stream_id" to the id of the stream to resume.',
    );
  }
}

// ---- responses ------------------------------------------------------------------------------

export function toAgentResult(response: AgentResponse): pb.AgentResult {
  return {
    agent: response.agent,
    action: response.action,
    result: response.result,
    text: response.text,
    usage: response.usage,
    provider: response.provider,
    model: response.model,
    latencyMs: response.latencyMs,
    fallback: response.fallback,
  };
}

/** The AgentResponse in a result from a service; INTERNAL when the service sent none. */
export function fromAgentResult(message: pb.AgentResult | undefined): AgentResponse {
  if (message === undefined) throw malformed("a response without a result");
  const response: AgentResponse = {
    agent: message.agent as AgentName,
    action: message.action as ActionName,
    result: (message.result as Record<string, unknown> | undefined) ?? {},
    text: message.text,
    usage: message.usage ?? { inputTokens: 0, outputTokens: 0 },
    provider: message.provider,
    model: message.model,
    latencyMs: message.latencyMs,
  };
  if (message.fallback !== undefined) {
    response.fallback = {
      kind: message.fallback.kind as FallbackInfo["kind"],
      ageMs: message.fallback.ageMs,
    };
  }
  return response;
}

export function toProtoEvent(event: StreamEvent): pb.StreamEvent {
  if (event.type === "chunk") {
    return {
      event: { $case: "chunk", chunk: { streamId: event.streamId, seq: event.seq, text: event.text } },
    };
  }
  return {
    event: {
      $case: "final",
      final: {
        streamId: event.streamId,
        lastSeq: event.lastSeq,
        hash: event.hash,
        result: toAgentResult(event.response),
      },
    },
  };
}

/** The StreamEvent in a message from a service; INTERNAL when the message holds no event. */
export function fromProtoEvent(message: pb.StreamEvent): StreamEvent {
  const event = message.event;
  if (event === undefined) throw malformed("an empty stream event");
  if (event.$case === "chunk") {
    const { streamId, seq, text } = event.chunk;
    return { type: "chunk", streamId, seq, text };
  }
  const { streamId, lastSeq, hash, result } = event.final;
  return { type: "final", streamId, lastSeq, hash, response: fromAgentResult(result) };
}

export function toDescribeResponse(description: ServiceDescription): pb.DescribeResponse {
  return {
    agent: description.agent,
    actions: description.actions,
    provider: description.provider,
    model: description.model,
    isolation: description.isolation,
    replica: description.replica,
    version: description.version,
  };
}

export function fromDescribeResponse(message: pb.DescribeResponse): ServiceDescription {
  return {
    agent: message.agent as AgentName,
    actions: message.actions.map((a) => ({ name: a.name as ActionName, description: a.description })),
    provider: message.provider,
    model: message.model,
    isolation: message.isolation,
    replica: message.replica,
    version: message.version,
  };
}

function malformed(what: string): SynapseError {
  return new SynapseError(
    "INTERNAL",
    `The agent service sent ${what}; it may run an incompatible version. Check its version with Describe.`,
  );
}
