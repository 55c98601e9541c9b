/** Reading codes off whatever was thrown, and the one error the breaker raises. */
import { type Code, SynapseError } from "@synapse/core";

/** The code of anything thrown (foreign errors are INTERNAL, aborts CANCELLED). */
export function codeOf(err: unknown): Code {
  return SynapseError.from(err).code;
}

/** `details.reason` of the error a breaker raises when it fails fast. */
export const CIRCUIT_OPEN = "circuit_open";

/** True for a breaker's fail-fast rejection: no request left the process. */
export function isCircuitOpen(err: unknown): boolean {
  return err instanceof SynapseError && err.details?.reason === CIRCUIT_OPEN;
}

export function circuitOpenError(endpoint: string, retryAfterMs: number): SynapseError {
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  // No `retryAfterMs` option: that would be read as server pushback and hold the retry layer
  // back, when the right move is another replica now.
  return new SynapseError(
    "UNAVAILABLE",
    `circuit open for ${endpoint}; retry after ${ms} ms (the endpoint failed repeatedly and is being rested)`,
    { details: { reason: CIRCUIT_OPEN, endpoint, retryAfterMs: ms } },
  );
}
