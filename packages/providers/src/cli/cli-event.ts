/**
 * What a vendor CLI's JSON event lines mean to us. Each CLI has a small stateful reader
 * (claude-events.ts, gemini-events.ts, codex-events.ts) that turns one parsed line into these.
 */
import type { Usage } from "@synapse/core";

export type CliEvent =
  | { type: "text"; text: string }
  | { type: "model"; model: string }
  /** The run succeeded; `final` is the last message alone when the CLI tells it apart. */
  | { type: "result"; usage: Usage; final?: string }
  /** The CLI reported a failure (decided at the end of the run: a later result wins). */
  | { type: "failure"; message: string; status?: number };

export interface CliEventReader {
  read(event: Record<string, unknown>): CliEvent[];
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

export function obj(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
