/** How providers turn an aborted signal into the error a caller sees. */
import { SynapseError } from "@synapse/core";

/**
 * The error for an aborted signal: its reason when that is already a SynapseError (e.g. a
 * DEADLINE_EXCEEDED set by whoever aborted), CANCELLED otherwise.
 */
export function abortError(signal: AbortSignal): SynapseError {
  const reason: unknown = signal.reason;
  if (reason instanceof SynapseError) return reason;
  return new SynapseError("CANCELLED", "The call was cancelled.", { cause: reason });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

/** Whether `call` is aborted, asked through its `aborted()` when it has one (which does not make its signal). */
export function isCallAborted(call: {
  readonly signal: AbortSignal;
  aborted?: (() => boolean) | undefined;
}): boolean {
  return call.aborted ? call.aborted() : call.signal.aborted;
}

/** `throwIfAborted(call.signal)`, without making the signal when the call can say so (see `isCallAborted`). */
export function throwIfCallAborted(call: {
  readonly signal: AbortSignal;
  aborted?: (() => boolean) | undefined;
}): void {
  if (isCallAborted(call)) throw abortError(call.signal);
}

/** A promise that rejects with `abortError(signal)` when the signal aborts, and never resolves. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(abortError(signal));
    else signal.addEventListener("abort", () => reject(abortError(signal)), { once: true });
  });
}
