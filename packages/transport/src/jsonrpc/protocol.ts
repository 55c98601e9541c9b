/**
 * JSON-RPC 2.0 messages (https://www.jsonrpc.org/specification): parsing and validating what
 * arrives, building what leaves, and converting errors both ways.
 *
 * Written by hand rather than taken from a generic JSON-RPC library: the transport needs
 * newline framing with a byte limit, streaming by notifications tied to a request id,
 * cancellation (`$/cancel`), per-connection limits and answers out of order as each call
 * finishes — none of which those libraries give — and the protocol itself is this one file.
 */
import {
  type Code,
  fromJsonRpcCode,
  isCode,
  JSONRPC_ERROR,
  SynapseError,
  toJsonRpcCode,
} from "@synapse/core";

export type JsonRpcId = string | number | null;

/** Structured params, as the spec allows them: by position or by name. */
export type JsonRpcParams = unknown[] | Record<string, unknown> | undefined;

/** A valid request; `id` is undefined for a notification (which gets no response). */
export interface JsonRpcRequest {
  id: JsonRpcId | undefined;
  method: string;
  params: JsonRpcParams;
}

/** What travels in `error.data`: the exact code, server pushback and details. */
export interface JsonRpcErrorData {
  code: Code;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: JsonRpcErrorData;
}

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; result: unknown; id: JsonRpcId }
  | { jsonrpc: "2.0"; error: JsonRpcError; id: JsonRpcId };

/** A request object the spec refuses, with the id to answer to (null when it could not be read). */
export class InvalidRequest {
  constructor(
    readonly id: JsonRpcId,
    readonly reason: string,
  ) {}
}

/** A line that is not JSON. */
export class ParseFailure {
  constructor(readonly reason: string) {}
}

/** Parses one line: a message, a batch (array) or a parse failure. Never throws. */
export function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    return new ParseFailure(err instanceof Error ? err.message : "not valid JSON");
  }
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || typeof value === "number" || value === null;
}

/** Checks one request object against the spec (section 4). */
export function validateRequest(message: unknown): JsonRpcRequest | InvalidRequest {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return new InvalidRequest(null, "a request must be a JSON object");
  }
  const m = message as Record<string, unknown>;
  const hasId = Object.hasOwn(m, "id");
  const id = m.id;
  if (hasId && !isId(id)) return new InvalidRequest(null, '"id" must be a string, a number or null');
  const answerTo = hasId ? (id as JsonRpcId) : null;
  if (m.jsonrpc !== "2.0") return new InvalidRequest(answerTo, '"jsonrpc" must be exactly "2.0"');
  if (typeof m.method !== "string") return new InvalidRequest(answerTo, '"method" must be a string');
  const params = m.params;
  if (params !== undefined && (typeof params !== "object" || params === null)) {
    return new InvalidRequest(answerTo, '"params" must be an array or an object when present');
  }
  return {
    id: hasId ? (id as JsonRpcId) : undefined,
    method: m.method,
    params: params as JsonRpcParams,
  };
}

// ---- errors the protocol itself raises: the spec's messages, the reason in data.details ----

function standardError(code: number, message: string, as: Code, reason: string): JsonRpcError {
  return { code, message, data: { code: as, details: { reason } } };
}

export function parseError(reason: string): JsonRpcError {
  return standardError(
    JSONRPC_ERROR.PARSE_ERROR,
    "Parse error",
    "INVALID_ARGUMENT",
    `The line is not valid JSON (${reason}); send one JSON-RPC message per line.`,
  );
}

export function invalidRequest(reason: string): JsonRpcError {
  return standardError(
    JSONRPC_ERROR.INVALID_REQUEST,
    "Invalid Request",
    "INVALID_ARGUMENT",
    `Not a JSON-RPC 2.0 request: ${reason}.`,
  );
}

export function methodNotFound(method: string): JsonRpcError {
  return standardError(
    JSONRPC_ERROR.METHOD_NOT_FOUND,
    "Method not found",
    "UNIMPLEMENTED",
    `This server has no method "${method}"; agent.describe lists what it serves.`,
  );
}

/** A SynapseError as a JSON-RPC error, the exact code and pushback in `data`. */
export function errorFromSynapse(err: SynapseError): JsonRpcError {
  const data: JsonRpcErrorData = { code: err.code };
  if (err.retryAfterMs !== undefined) data.retryAfterMs = err.retryAfterMs;
  if (err.details !== undefined) data.details = err.details;
  return { code: toJsonRpcCode(err.code), message: err.message, data };
}

export function resultResponse(id: JsonRpcId, result: unknown): JsonRpcResponse {
  // `result` is required on success; a method that returns nothing answers null.
  return { jsonrpc: "2.0", result: result === undefined ? null : result, id };
}

export function errorResponse(id: JsonRpcId, error: JsonRpcError): JsonRpcResponse {
  return { jsonrpc: "2.0", error, id };
}

/** One wire line: the message (or batch) serialized once, newline-terminated. */
export function toLine(message: JsonRpcResponse | JsonRpcResponse[] | object): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * The SynapseError a JSON-RPC error object stands for: the code from `data.code` when present
 * (it is exact), else from the JSON-RPC code; pushback and details kept.
 */
export function synapseFromJsonRpc(error: unknown): SynapseError {
  if (typeof error !== "object" || error === null) {
    return new SynapseError("INTERNAL", "The server sent a malformed error; report this as a bug.");
  }
  const e = error as { code?: unknown; message?: unknown; data?: unknown };
  const data = typeof e.data === "object" && e.data !== null ? (e.data as Record<string, unknown>) : {};
  const code = isCode(data.code) ? data.code : fromJsonRpcCode(typeof e.code === "number" ? e.code : 0);
  const details =
    typeof data.details === "object" && data.details !== null && !Array.isArray(data.details)
      ? (data.details as Record<string, unknown>)
      : undefined;
  let message = typeof e.message === "string" && e.message !== "" ? e.message : `Server error (${code}).`;
  // The spec's standard errors carry a fixed message; the specific reason travels in details.
  if (typeof details?.reason === "string") message = `${message}: ${details.reason}`;
  return new SynapseError(code, message, {
    ...(typeof data.retryAfterMs === "number" ? { retryAfterMs: data.retryAfterMs } : {}),
    ...(details === undefined ? {} : { details }),
  });
}
