/**
 * AI SDK errors as SynapseErrors: the vendor's HTTP status, in-stream error events, malformed
 * streams and cut connections each get our code and a message that says what to do (the
 * mapping itself is shared with the other API clients, in vendor-errors.ts).
 */
import { SynapseError } from "@synapse/core";
import { APICallError, RetryError } from "ai";
import { abortError } from "../abort.js";
import {
  cutAnswer,
  type ErrorHints,
  httpFailureError,
  inAnswerError,
  inStreamError,
  isConnectionError,
  malformedAnswer,
  unreachable,
} from "../vendor-errors.js";

export type { ErrorHints } from "../vendor-errors.js";

/** The SynapseError for anything an AI SDK call threw or streamed; `now` dates a Retry-After. */
export function mapAiSdkError(
  err: unknown,
  signal: AbortSignal,
  hints: ErrorHints,
  now: number,
): SynapseError {
  if (signal.aborted) return abortError(signal);
  if (err instanceof SynapseError) return err;
  if (RetryError.isInstance(err)) return mapAiSdkError(err.lastError, signal, hints, now);
  if (APICallError.isInstance(err)) return fromApiCallError(err, hints, now);
  const name = err instanceof Error ? err.name : "";
  if (name === "AbortError") return new SynapseError("CANCELLED", "The call was cancelled.", { cause: err });
  if (name === "AI_JSONParseError" || name === "AI_TypeValidationError") return malformedAnswer(hints, err);
  const typed = inStreamError(err);
  if (typed) return inAnswerError(typed.type, typed.message, hints, err);
  if (isConnectionError(err)) return cutAnswer(hints, err);
  return new SynapseError("INTERNAL", `The call to ${hints.vendor} failed unexpectedly.`, { cause: err });
}

function fromApiCallError(err: APICallError, hints: ErrorHints, now: number): SynapseError {
  const status = err.statusCode;
  if (status === undefined) return unreachable(hints, err.message, err);
  // A 2xx whose body failed: the connection died while it streamed, or the body was garbage
  // (Anthropic's client reports a bad first event as a 500 carrying the parser's message).
  if (status < 400) return isConnectionError(err.cause) ? cutAnswer(hints, err) : malformedAnswer(hints, err);
  if (/^(JSON parsing failed|Type validation failed)/.test(err.message)) return malformedAnswer(hints, err);
  const failure = { status, message: err.message, headers: err.responseHeaders, body: err.responseBody };
  return httpFailureError(failure, hints, now, err);
}
