/**
 * The service's edge check: every request is validated here, once, into a typed call. Inner code
 * (the provider, the stream registry) never sees unvalidated input.
 */
import {
  type ActionInput,
  type ActionName,
  type AgentName,
  assertAgentAction,
  BASE_PORTS,
  isAgent,
  parseInput,
  SynapseError,
} from "@synapse/core";
import type { Continuation } from "@synapse/providers";

/** A request that passed validation, discriminated by action. */
export type ValidRequest = {
  [A in ActionName]: {
    agent: AgentName;
    action: A;
    input: ActionInput[A];
    streamId: string | undefined;
    continuation: Continuation | undefined;
  };
}[ActionName];

const STREAM_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Checks that `agent` is the agent this service serves; NOT_FOUND naming where another agent lives. */
export function checkAgent(served: AgentName, agent: unknown): void {
  if (agent === served) return;
  if (isAgent(agent)) {
    const ports = BASE_PORTS[agent];
    throw new SynapseError(
      "NOT_FOUND",
      `Agent "${agent}" is not served here: this is the ${served} service. Call the ${agent} service (by default gRPC port ${ports.grpc}, JSON-RPC port ${ports.tcp}) or go through the gateway.`,
    );
  }
  assertAgentAction(String(agent), "");
}

export function validateStreamId(streamId: unknown): string {
  if (typeof streamId === "string" && STREAM_ID.test(streamId)) return streamId;
  throw new SynapseError(
    "INVALID_ARGUMENT",
    "Invalid streamId: use 1 to 128 letters, digits, '_', '.', ':' or '-'.",
  );
}

export function validateSeq(seq: unknown, name: string): number {
  if (typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0) return seq;
  throw new SynapseError("INVALID_ARGUMENT", `Invalid ${name}: give a whole number of 0 or more.`);
}

/** Validates a whole request for the agent `served`. Throws NOT_FOUND or INVALID_ARGUMENT. */
export function validateRequest(served: AgentName, request: unknown): ValidRequest {
  if (typeof request !== "object" || request === null) {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      "Invalid request: expected an object with agent, action and input.",
    );
  }
  const r = request as Record<string, unknown>;
  checkAgent(served, r.agent);
  const { action } = assertAgentAction(served, String(r.action));
  const input = parseInput(action, r.input);
  const streamId = r.streamId === undefined || r.streamId === "" ? undefined : validateStreamId(r.streamId);
  let continuation: Continuation | undefined;
  if (r.continuation !== undefined && r.continuation !== null) {
    const c = r.continuation as Record<string, unknown>;
    if (typeof c !== "object" || typeof c.text !== "string") {
      throw new SynapseError(
        "INVALID_ARGUMENT",
        "Invalid continuation: expected { text, afterSeq } with the text already delivered.",
      );
    }
    continuation = { text: c.text, afterSeq: validateSeq(c.afterSeq, "continuation.afterSeq") };
  }
  return { agent: served, action, input, streamId, continuation } as ValidRequest;
}
