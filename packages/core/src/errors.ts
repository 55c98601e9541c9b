/**
 * One error type for the whole system, with a closed code set aligned with gRPC status codes.
 * Every boundary (JSON-RPC, gRPC, HTTP, providers) converts with `SynapseError.from` and the
 * mapping functions below, so a code means the same thing wherever it is seen.
 */

/** gRPC status codes by name, with their numeric values (OK is not an error and is left out). */
export const GRPC_STATUS = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type Code = keyof typeof GRPC_STATUS;

export const CODES = Object.keys(GRPC_STATUS) as Code[];

const CODE_BY_NUMBER = new Map<number, Code>(CODES.map((c) => [GRPC_STATUS[c], c]));

export function isCode(value: unknown): value is Code {
  return typeof value === "string" && Object.hasOwn(GRPC_STATUS, value);
}

/** The code for a gRPC numeric status; UNKNOWN for anything outside the set. */
export function codeFromGrpcStatus(status: number): Code {
  return CODE_BY_NUMBER.get(status) ?? "UNKNOWN";
}

export interface SynapseErrorOptions {
  /** Server pushback: how long the caller should wait before retrying, in milliseconds. Negative means "do not retry". */
  retryAfterMs?: number;
  /** Extra machine-readable facts a client may act on (never secrets, paths or stacks). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class SynapseError extends Error {
  override readonly name = "SynapseError";
  readonly code: Code;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: Code, message: string, options: SynapseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  /**
   * Converts anything thrown into a SynapseError. Foreign errors become INTERNAL (or `fallback`)
   * with a generic message, so internals never reach a user; the original stays in `cause` for logs.
   */
  static from(err: unknown, fallback: Code = "INTERNAL"): SynapseError {
    if (err instanceof SynapseError) return err;
    if (isAbortError(err)) return new SynapseError("CANCELLED", "The call was cancelled.", { cause: err });
    return new SynapseError(fallback, fallback === "INTERNAL" ? "Internal error." : String(fallback), {
      cause: err,
    });
  }

  /** A plain object safe to put on the wire: code, message, and pushback/details when present. */
  toJSON(): { code: Code; message: string; retryAfterMs?: number; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isSynapseError(err: unknown, code?: Code): err is SynapseError {
  return err instanceof SynapseError && (code === undefined || err.code === code);
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === "AbortError" || (err as { code?: unknown }).code === "ABORT_ERR")
  );
}

const HTTP_STATUS: Record<Code, number> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 412,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

/** The HTTP status for a code (the mapping gRPC-gateway and Connect use). */
export function toHttpStatus(code: Code): number {
  return HTTP_STATUS[code];
}

/** JSON-RPC 2.0 standard error codes. */
export const JSONRPC_ERROR = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

/**
 * The JSON-RPC error code for a code. The spec's own codes where one fits; otherwise the
 * implementation-defined server range -32000…-32099, as -32000 − gRPC number. The exact code
 * also travels in `error.data.code`, so nothing is lost either way.
 */
export function toJsonRpcCode(code: Code): number {
  switch (code) {
    case "INVALID_ARGUMENT":
      return JSONRPC_ERROR.INVALID_PARAMS;
    case "UNIMPLEMENTED":
      return JSONRPC_ERROR.METHOD_NOT_FOUND;
    case "INTERNAL":
      return JSONRPC_ERROR.INTERNAL_ERROR;
    default:
      return -32000 - GRPC_STATUS[code];
  }
}

/** The code for a JSON-RPC error code: the inverse of `toJsonRpcCode`, with the spec's codes mapped sensibly. */
export function fromJsonRpcCode(jsonRpcCode: number): Code {
  switch (jsonRpcCode) {
    case JSONRPC_ERROR.PARSE_ERROR:
    case JSONRPC_ERROR.INVALID_REQUEST:
    case JSONRPC_ERROR.INVALID_PARAMS:
      return "INVALID_ARGUMENT";
    case JSONRPC_ERROR.METHOD_NOT_FOUND:
      return "UNIMPLEMENTED";
    case JSONRPC_ERROR.INTERNAL_ERROR:
      return "INTERNAL";
    default:
      if (jsonRpcCode <= -32000 && jsonRpcCode >= -32099) return codeFromGrpcStatus(-32000 - jsonRpcCode);
      return "UNKNOWN";
  }
}

/**
 * An UNAVAILABLE for a call that never reached a server (no connection could be made), so
 * nothing ran there: retrying it elsewhere is always safe, and it says nothing about the
 * service being overloaded — gRFC A6 retries such calls "transparently", outside retry
 * throttling. Transports raise it; the retry layer reads it with `wasNotSent`.
 */
export function notSentError(message: string, cause?: unknown): SynapseError {
  return new SynapseError("UNAVAILABLE", message, { details: { notSent: true }, cause });
}

/** True for an error made by `notSentError` (or carrying its marker across a transport). */
export function wasNotSent(err: unknown): boolean {
  return err instanceof SynapseError && err.code === "UNAVAILABLE" && err.details?.notSent === true;
}
