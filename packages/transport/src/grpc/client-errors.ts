/** The SynapseErrors a gRPC client call fails with. */
import { type Code, SynapseError } from "@synapse/core";
import { fromServiceError, isServiceError } from "./status.js";

/** Why an aborted call failed: the signal's reason when it is a SynapseError (e.g. a timeout's), else CANCELLED. */
export function abortedError(signal: AbortSignal): SynapseError {
  const reason: unknown = signal.reason;
  return reason instanceof SynapseError
    ? reason
    : new SynapseError("CANCELLED", "The call was cancelled by the caller.", { cause: reason });
}

/** What a failed call throws: the abort reason once the signal fired, else the status received. */
export function clientError(err: unknown, signal: AbortSignal | undefined, fallback: Code = "INTERNAL") {
  if (signal?.aborted) return abortedError(signal);
  if (isServiceError(err)) return fromServiceError(err);
  return SynapseError.from(err, fallback);
}

export function deadlinePassed(): SynapseError {
  return new SynapseError(
    "DEADLINE_EXCEEDED",
    "The call's deadline had already passed, so it was not sent; allow more time.",
  );
}

export function streamCut(): SynapseError {
  return new SynapseError(
    "UNAVAILABLE",
    "The stream ended before its final event; resume it after the last seq received.",
  );
}

export function clientClosed(): SynapseError {
  return new SynapseError("UNAVAILABLE", "This gRPC client is closed; use an open client for the endpoint.");
}
