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

/** Every string inside `value`, objects and arrays walked. */
export function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(allStrings);
  return [];
}

/** The error a `[sim:fail=CODE]` directive in `input` asks for, if any. */
export function failDirective(input: unknown): SynapseError | undefined {
  for (const s of allStrings(input)) {
    const m = FAIL.exec(s);
    if (!m) continue;
    const code = m[1]!.toUpperCase();
    if (!isCode(code)) {
      return new SynapseError(
        "INVALID_ARGUMENT",
        `Unknown code "${m[1]}" in a [sim:fail=…] directive. Codes: ${CODES.join(", ")}.`,
      );
    }
    return simulatedFailure(code);
  }
  return undefined;
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
