/**
 * The params of the agent methods, validated once at the edge into typed values. Bad shapes are
 * INVALID_ARGUMENT (-32602); unknown agents and actions NOT_FOUND, as the service core would say.
 */
import { type AgentRequest, assertAgentAction, describeIssues, SynapseError } from "@synapse/core";
import { z } from "zod";
import { MAX_TIMEOUT_MS } from "./agent-wire.js";
import type { JsonRpcParams } from "./protocol.js";

const timeoutMs = z.int().min(1).max(MAX_TIMEOUT_MS).optional();
const metadata = z.record(z.string(), z.string()).optional();

const InvokeParamsSchema = z.object({
  agent: z.string(),
  action: z.string(),
  input: z.record(z.string(), z.unknown()),
  requestId: z.string().max(256).optional(),
  streamId: z.string().min(1).max(256).optional(),
  continuation: z.object({ text: z.string(), afterSeq: z.int().min(0) }).optional(),
  timeoutMs,
  metadata,
});

const ResumeParamsSchema = z.object({
  streamId: z.string().min(1).max(256),
  afterSeq: z.int().min(0),
  timeoutMs,
  metadata,
});

export interface InvokeParams {
  request: AgentRequest;
  timeoutMs: number | undefined;
  metadata: Record<string, string>;
}

export interface ResumeParams {
  streamId: string;
  afterSeq: number;
  timeoutMs: number | undefined;
  metadata: Record<string, string>;
}

function parse<T>(schema: z.ZodType<T>, params: JsonRpcParams, method: string): T {
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `Invalid params for ${method}: ${describeIssues(parsed.error, "params")}`,
    );
  }
  return parsed.data;
}

/** Params of agent.invoke and agent.stream. */
export function parseInvokeParams(params: JsonRpcParams, method: string): InvokeParams {
  const p = parse(InvokeParamsSchema, params, method);
  const { agent, action } = assertAgentAction(p.agent, p.action);
  const request: AgentRequest = { agent, action, input: p.input };
  if (p.requestId !== undefined) request.requestId = p.requestId;
  if (p.streamId !== undefined) request.streamId = p.streamId;
  if (p.continuation !== undefined) request.continuation = p.continuation;
  return { request, timeoutMs: p.timeoutMs, metadata: p.metadata ?? {} };
}

/** Params of agent.resume. */
export function parseResumeParams(params: JsonRpcParams): ResumeParams {
  const p = parse(ResumeParamsSchema, params, "agent.resume");
  return { streamId: p.streamId, afterSeq: p.afterSeq, timeoutMs: p.timeoutMs, metadata: p.metadata ?? {} };
}
