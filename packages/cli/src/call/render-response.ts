/**
 * How `synapse call` shows an answer to a person: the text, then one dim footer line with the
 * provider, model, tokens, latency and, when the answer did not come from a provider, the
 * fallback used.
 */
import type { AgentResponse } from "@synapse/core";

/** "sim · sim-1 · 12 in / 340 out tokens · 85 ms" plus " · fallback: cache (3.2 s old)" when present. */
export function formatFooter(response: AgentResponse): string {
  const parts = [
    response.provider,
    response.model,
    `${response.usage.inputTokens} in / ${response.usage.outputTokens} out tokens`,
    `${Math.round(response.latencyMs)} ms`,
  ];
  const { fallback } = response;
  if (fallback !== undefined) {
    parts.push(
      fallback.kind === "cache"
        ? `fallback: cache (${(fallback.ageMs / 1000).toFixed(1)} s old)`
        : `fallback: ${fallback.kind}`,
    );
  }
  return parts.filter((p) => p !== "").join(" · ");
}

/** Whether to colour output on `stream`: a terminal, and NO_COLOR unset (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb";
}

/** `text` dimmed with ANSI SGR 2 when `color`, unchanged otherwise. */
export function dim(text: string, color: boolean): string {
  return color ? `\u001b[2m${text}\u001b[22m` : text;
}

/** The human rendering: the text, a newline if it lacks one, then the footer line. */
export function renderResponse(response: AgentResponse, color: boolean): string {
  const text = response.text.endsWith("\n") || response.text === "" ? response.text : `${response.text}\n`;
  return `${text}${dim(formatFooter(response), color)}\n`;
}
