/**
 * Directives: markers in a call's input that steer the simulator, so tests and demos can take
 * a chosen path through a workflow.
 *
 * - `[sim:fail=CODE]` anywhere in the input: the call fails with that code before its first token
 *   (RESOURCE_EXHAUSTED carries retryAfterMs 1000, like a rate-limited vendor API).
 * - `[sim:request-changes=N]` in the text under review: review answers `request_changes` while the
 *   code carries fewer than N `sim-revision` markers, then `approve`. Code given review comments
 *   writes one more marker than the files it was given carry, so a review loop takes the
 *   request-changes branch exactly N times.
 */
import { CODES, type Code, isCode, SynapseError } from "@synapse/core";

const FAIL = /\[sim:fail=([A-Za-z_]+)\]/;
const REQUEST_CHANGES = /\[sim:request-changes=(\d+)\]/g;
const REVISION_MARKER = /sim-revision:\s*\d+/g;

/**
 * The first `[sim:fail=…]` match in the strings inside `value` (objects' values and arrays' items
 * walked depth first, in order), or null. Walked in place: collecting every string into arrays
 * first (`flatMap`) was ~2 µs of a ~20 µs sim plan call, for inputs that hold no directive.
 */
function firstFail(value: unknown): RegExpExecArray | null {
  if (typeof value === "string") return FAIL.exec(value);
  if (typeof value !== "object" || value === null) return null;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const m = firstFail(item);
    if (m) return m;
  }
  return null;
}

/** The error a `[sim:fail=CODE]` directive in `input` asks for, if any. */
export function failDirective(input: unknown): SynapseError | undefined {
  const m = firstFail(input);
  if (!m) return undefined;
  const code = m[1]!.toUpperCase();
  if (!isCode(code)) {
    return new SynapseError(
      "INVALID_ARGUMENT",
      `Unknown code "${m[1]}" in a [sim:fail=…] directive. Codes: ${CODES.join(", ")}.`,
    );
  }
  return simulatedFailure(code);
}

function simulatedFailure(code: Code): SynapseError {
  const message = `Simulated failure (${code}) requested by a [sim:fail=${code}] directive.`;
  return new SynapseError(code, message, code === "RESOURCE_EXHAUSTED" ? { retryAfterMs: 1000 } : {});
}

/** The N of the largest `[sim:request-changes=N]` in `text`, or undefined when there is none. */
export function requestChangesDirective(text: string): number | undefined {
  let max: number | undefined;
  for (const m of text.matchAll(REQUEST_CHANGES)) {
    const n = Number(m[1]);
    if (max === undefined || n > max) max = n;
  }
  return max;
}

/** How many `sim-revision: k` markers `text` carries. */
export function countRevisionMarkers(text: string): number {
  return text.match(REVISION_MARKER)?.length ?? 0;
}
