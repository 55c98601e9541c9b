/**
 * Checks for numeric options, so a mistaken setting fails at construction with a clear message
 * instead of, say, a zero interval spinning a timer loop.
 */
import { SynapseError } from "@synapse/core";

/** `value` if it is a finite number > 0; INVALID_ARGUMENT naming `what` otherwise. */
export function positive(value: number, what: string): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw new SynapseError("INVALID_ARGUMENT", `${what} must be a number above 0, not ${String(value)}.`);
}

/** `value` if it is an integer ≥ 1; INVALID_ARGUMENT naming `what` otherwise. */
export function count(value: number, what: string): number {
  if (Number.isInteger(value) && value >= 1) return value;
  throw new SynapseError(
    "INVALID_ARGUMENT",
    `${what} must be a whole number of at least 1, not ${String(value)}.`,
  );
}

/** `value` if it is a number from 0 to 100; INVALID_ARGUMENT naming `what` otherwise. */
export function percent(value: number, what: string): number {
  if (Number.isFinite(value) && value >= 0 && value <= 100) return value;
  throw new SynapseError(
    "INVALID_ARGUMENT",
    `${what} must be a percentage from 0 to 100, not ${String(value)}.`,
  );
}
