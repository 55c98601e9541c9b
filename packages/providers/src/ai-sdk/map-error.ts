/**
 * AI SDK errors as SynapseErrors: the vendor's HTTP status, in-stream error events, malformed
 * streams and cut connections each get our code and a message that says what to do. Messages
 * quote the vendor's words only after scrubbing, and never quote the key.
 */
import { SynapseError } from "@synapse/core";
import { APICallError, RetryError } from "ai";
import { abortError } from "../abort.js";
import { codeForHttpStatus, retryAfterMs, scrub } from "../http-errors.js";

/** What an error message may name: the vendor and the settings a user would change. */
export interface ErrorHints {
  /** The vendor as users know it, e.g. "Anthropic". */
  vendor: string;
  /** Where the key comes from, e.g. "ANTHROPIC_API_KEY"; undefined when there is none. */
  keyEnv: string | undefined;
  /** The setting naming the model, e.g. "SYNAPSE_CLAUDE_MODEL". */
  modelEnv: string;
  /** The setting naming the base URL, e.g. "SYNAPSE_CLAUDE_BASE_URL". */
  baseUrlEnv: string;
  /** Values that must never appear in a message (the key). */
  secrets: readonly string[];
}

/** In-stream error types (Anthropic's `event: error`, OpenAI's error chunks) and their codes. */
const ERROR_TYPES: [RegExp, SynapseError["code"]][] = [
  [/overloaded/i, "UNAVAILABLE"],
  [/rate_limit|too_many_requests|resource_exhausted/i, "RESOURCE_EXHAUSTED"],
  [/authentication|invalid_api_key|unauthenticated/i, "UNAUTHENTICATED"],
  [/permission/i, "PERMISSION_DENIED"],
  [/invalid_request|invalid_argument/i, "INVALID_ARGUMENT"],
  [/not_found/i, "FAILED_PRECONDITION"],
];

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
  if (name === "AI_JSONParseError" || name === "AI_TypeValidationError") return malformed(hints, err);
  const typed = inStreamError(err);
  if (typed) return fromErrorType(typed.type, typed.message, hints, err);
  if (isConnectionError(err)) return cut(hints, err);
  return new SynapseError("INTERNAL", `The call to ${hints.vendor} failed unexpectedly.`, { cause: err });
}

function malformed(hints: ErrorHints, cause: unknown): SynapseError {
  return new SynapseError(
    "UNAVAILABLE",
    `${hints.vendor} sent a malformed answer that could not be read; retry the call.`,
    { cause },
  );
}

function cut(hints: ErrorHints, cause: unknown): SynapseError {
  return new SynapseError(
    "UNAVAILABLE",
    `The connection to ${hints.vendor} was cut before the answer ended; retry the call.`,
    { cause },
  );
}

function fromApiCallError(err: APICallError, hints: ErrorHints, now: number): SynapseError {
  const { vendor } = hints;
  const status = err.statusCode;
  const said = scrub(err.message, hints.secrets);
  if (status === undefined) {
    return new SynapseError(
      "UNAVAILABLE",
      `Cannot reach ${vendor} (${said}); check the network and ${hints.baseUrlEnv}, then retry.`,
      { cause: err },
    );
  }
  // A 2xx whose body failed: the connection died while it streamed, or the body was garbage
  // (Anthropic's client reports a bad first event as a 500 carrying the parser's message).
  if (status < 400) return isConnectionError(err.cause) ? cut(hints, err) : malformed(hints, err);
  if (/^(JSON parsing failed|Type validation failed)/.test(err.message)) return malformed(hints, err);
  const code = codeForHttpStatus(status);
  const options = { cause: err };
  switch (code) {
    case "UNAUTHENTICATED":
      // The vendor's words are left out: some echo part of the key they refused.
      return new SynapseError(
        code,
        `${vendor} rejected the API key (HTTP ${status}); ${hints.keyEnv ? `check ${hints.keyEnv}` : "configure a key"}.`,
        options,
      );
    case "PERMISSION_DENIED":
      return new SynapseError(
        code,
        `${vendor} refused the request (HTTP ${status}): ${said}; check the key's permissions.`,
        options,
      );
    case "RESOURCE_EXHAUSTED": {
      const wait = retryAfterMs(err.responseHeaders, now);
      return new SynapseError(
        code,
        `${vendor} rate-limited the call (HTTP ${status}): ${said}; retry ${wait === undefined ? "later" : `in ${Math.ceil(wait / 1000)} s`}.`,
        { ...options, ...(wait === undefined ? {} : { retryAfterMs: wait }) },
      );
    }
    case "FAILED_PRECONDITION":
      return new SynapseError(
        code,
        `${vendor} answered HTTP ${status} (${said}); check the model name (${hints.modelEnv}) and base URL (${hints.baseUrlEnv}).`,
        options,
      );
    case "UNAVAILABLE": {
      const overloaded = status === 529 || status === 503 || /overloaded/i.test(err.responseBody ?? "");
      return new SynapseError(
        code,
        overloaded
          ? `${vendor} is overloaded (HTTP ${status}); retry the call later.`
          : `${vendor} failed with HTTP ${status} (${said}); retry the call.`,
        options,
      );
    }
    case "INVALID_ARGUMENT":
      return new SynapseError(code, `${vendor} rejected the request (HTTP ${status}): ${said}`, options);
    default:
      return new SynapseError(code, `${vendor} answered HTTP ${status}: ${said}`, options);
  }
}

function fromErrorType(type: string, message: string, hints: ErrorHints, cause: unknown): SynapseError {
  const code = ERROR_TYPES.find(([re]) => re.test(type))?.[1] ?? "UNAVAILABLE";
  const said = scrub(message || type, hints.secrets);
  if (code === "UNAUTHENTICATED") {
    return new SynapseError(
      code,
      `${hints.vendor} rejected the API key; check ${hints.keyEnv ?? "the key"}.`,
      {
        cause,
      },
    );
  }
  const hint = code === "UNAVAILABLE" || code === "RESOURCE_EXHAUSTED" ? "; retry the call later" : "";
  return new SynapseError(code, `${hints.vendor} ended the answer with an error: ${said}${hint}.`, { cause });
}

/** `{ type, message }` as vendors put errors inside a stream (possibly under `error`). */
function inStreamError(err: unknown): { type: string; message: string } | undefined {
  if (typeof err !== "object" || err === null || err instanceof Error) return undefined;
  const o = err as { type?: unknown; message?: unknown; code?: unknown; status?: unknown; error?: unknown };
  if (typeof o.error === "object" && o.error !== null) return inStreamError(o.error);
  const type = [o.type, o.code, o.status].find((v) => typeof v === "string") as string | undefined;
  if (type === undefined && typeof o.message !== "string") return undefined;
  return { type: type ?? "", message: typeof o.message === "string" ? o.message : "" };
}

/** undici's "terminated" / "other side closed" and socket resets: the connection died mid-answer. */
function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(UND_ERR_|ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT)/.test(code))
      return true;
    if (e.name === "TypeError" && /terminated|fetch failed/.test(e.message)) return true;
  }
  return false;
}
