/**
 * What an HTTP status from a model vendor means to us, and how long its pushback asks us to
 * wait. Shared by the API providers and the CLI provider (Claude Code reports the API's status).
 */
import type { Code } from "@synapse/core";

/**
 * The code for a vendor's HTTP status. 5xx are UNAVAILABLE, 500 included: a vendor's 500 is a
 * transient fault on its side (Anthropic and OpenAI both document retrying it), not a bug of
 * ours, and UNAVAILABLE is what our retry layer retries. 404 is FAILED_PRECONDITION: an unknown
 * model or a wrong base URL is a configuration mistake that retrying cannot fix.
 */
export function codeForHttpStatus(status: number): Code {
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "PERMISSION_DENIED";
  if (status === 404) return "FAILED_PRECONDITION";
  if (status === 408) return "DEADLINE_EXCEEDED";
  if (status === 429) return "RESOURCE_EXHAUSTED";
  if (status >= 500) return "UNAVAILABLE";
  if (status >= 400) return "INVALID_ARGUMENT";
  return "UNKNOWN";
}

/** Longest pushback honoured, in milliseconds (a misbehaving header must not park a caller for days). */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * The pushback in `retry-after-ms` (milliseconds, OpenAI and Anthropic) or `retry-after`
 * (seconds, or an HTTP date measured against `now`), capped at MAX_RETRY_AFTER_MS; undefined
 * when neither header is usable.
 */
export function retryAfterMs(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  now: number,
): number | undefined {
  if (!headers) return undefined;
  const cap = (ms: number) => Math.min(Math.max(0, Math.ceil(ms)), MAX_RETRY_AFTER_MS);
  const ms = Number.parseFloat(headers["retry-after-ms"] ?? "");
  if (Number.isFinite(ms)) return cap(ms);
  const raw = headers["retry-after"]?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return cap(Number(raw) * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : cap(date - now);
}

/**
 * `text` with every secret in `secrets` (and anything shaped like an API key) replaced, cut to
 * `max` characters: vendor messages are quoted to users, and some quote part of the key.
 */
export function scrub(text: string, secrets: readonly string[], max = 300): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.replaceAll(secret, "[redacted]");
  }
  out = out.replace(/\b(sk-|AIza)[-_A-Za-z0-9*.]{8,}/g, "[redacted]");
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
