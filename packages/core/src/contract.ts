/**
 * What travels between callers and agent services, independent of transport: a request, the
 * unary response, and the events of a stream. Streams are `(streamId, seq)` chunks, seq counting
 * from 1, ending with a final event that carries the last seq and a hash of the full text.
 */
import { createHash } from "node:crypto";
import type { ActionName, AgentName } from "./agents.js";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type FallbackKind = "cache" | "rule";

/** Present when an answer did not come from a provider. */
export interface FallbackInfo {
  kind: FallbackKind;
  /** Age of a cached answer in milliseconds (0 for a rule). */
  ageMs: number;
}

export interface AgentRequest {
  agent: AgentName;
  action: ActionName;
  /** The action's input; validated by the service against the action's schema. */
  input: Record<string, unknown>;
  /** Correlates logs across processes. */
  requestId?: string;
  /** Use this stream id instead of generating one (a continued stream keeps its id). */
  streamId?: string;
  /** The text already delivered when a stream is continued on another replica. */
  continuation?: { text: string; afterSeq: number };
}

export interface AgentResponse {
  agent: AgentName;
  action: ActionName;
  /** The action's structured result (see RESULT_SCHEMAS). */
  result: Record<string, unknown>;
  text: string;
  usage: Usage;
  provider: string;
  model: string;
  /** Time spent producing the answer, in milliseconds. */
  latencyMs: number;
  fallback?: FallbackInfo;
}

export interface StreamChunk {
  type: "chunk";
  streamId: string;
  /** Counts from 1. */
  seq: number;
  text: string;
}

export interface StreamFinal {
  type: "final";
  streamId: string;
  /** The seq of the last chunk, 0 when there was none. */
  lastSeq: number;
  /** sha256 of the concatenated text of all chunks, hex. */
  hash: string;
  response: AgentResponse;
}

export type StreamEvent = StreamChunk | StreamFinal;

/** The hash a final event carries: sha256 of the full text, hex. */
export function hashText(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** What a service says about itself (`agent.describe`, gRPC Describe). */
export interface ServiceDescription {
  agent: AgentName;
  actions: { name: ActionName; description: string }[];
  provider: string;
  model: string;
  isolation: string;
  replica: number;
  version: string;
}
