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

/** The params of agent.invoke and agent.stream (what the hand check in `wellFormedInvoke` must agree with). */
export const InvokeParamsSchema = z.object({
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

type InvokeFields = z.infer<typeof InvokeParamsSchema>;

/**
 * The well-formed params of agent.invoke and agent.stream as InvokeParamsSchema reads them, or
 * undefined for anything else — which then goes through the schema, for its exact message.
 * Checked by hand first because every call has them: the schema's pass copied the input and the
 * metadata and was the first of two zod passes over every request (the service validates the
 * input itself), about 2 µs a call under load and more unloaded, where a request's latency
 * follows how much code it runs. `input` is passed on as it is: the service validates it.
 */
function wellFormedInvoke(params: JsonRpcParams): InvokeFields | undefined {
  if (!isRecord(params)) return undefined;
  const { agent, action, input, requestId, streamId, continuation, timeoutMs, metadata } = params;
  if (typeof agent !== "string" || typeof action !== "string" || !isRecord(input)) return undefined;
  if (requestId !== undefined && !(typeof requestId === "string" && requestId.length <= 256))
    return undefined;
  if (
    streamId !== undefined &&
    !(typeof streamId === "string" && streamId.length >= 1 && streamId.length <= 256)
  ) {
    return undefined;
  }
  if (timeoutMs !== undefined && !(isWhole(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS)) {
    return undefined;
  }
  if (metadata !== undefined && !isStringRecord(metadata)) return undefined;
  const fields: InvokeFields = { agent, action, input, requestId, streamId, timeoutMs, metadata };
  if (continuation !== undefined) {
    if (!isRecord(continuation)) return undefined;
    const { text, afterSeq } = continuation;
    if (typeof text !== "string" || !(isWhole(afterSeq) && afterSeq >= 0)) return undefined;
    fields.continuation = { text, afterSeq };
  }
  return fields;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isWhole(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (typeof value[key] !== "string") return false;
  return true;
}

/** Params of agent.invoke and agent.stream. */
export function parseInvokeParams(params: JsonRpcParams, method: string): InvokeParams {
  const p = wellFormedInvoke(params) ?? parse(InvokeParamsSchema, params, method);
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
