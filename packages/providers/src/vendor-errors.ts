/**
 * What a vendor API's failures mean to a caller, for every API client (the AI SDK's and the lean
 * Chat Completions one): an HTTP status with its error message, an error inside a stream, a
 * malformed answer, a connection cut mid-answer. Messages quote the vendor's words only after
 * scrubbing, and never quote the key.
 */
import { SynapseError } from "@synapse/core";
import { codeForHttpStatus, retryAfterMs, scrub } from "./http-errors.js";

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

/** A vendor's answer with an HTTP error status. */
export interface HttpFailure {
  status: number;
  /** The vendor's error message (unscrubbed: it is scrubbed here). */
  message: string;
  /** The response headers (Retry-After is read from them). */
  headers: Readonly<Record<string, string | undefined>> | undefined;
  /** The raw response body, when read (an "overloaded" in it means UNAVAILABLE). */
  body: string | undefined;
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

export function malformedAnswer(hints: ErrorHints, cause: unknown): SynapseError {
  return new SynapseError(
    "UNAVAILABLE",
    `${hints.vendor} sent a malformed answer that could not be read; retry the call.`,
    { cause },
  );
}

export function cutAnswer(hints: ErrorHints, cause: unknown): SynapseError {
  return new SynapseError(
    "UNAVAILABLE",
    `The connection to ${hints.vendor} was cut before the answer ended; retry the call.`,
    { cause },
  );
}

export function endedEarly(hints: ErrorHints): SynapseError {
  return new SynapseError("UNAVAILABLE", `The answer from ${hints.vendor} ended early; retry the call.`);
}

export function unreachable(hints: ErrorHints, said: string, cause: unknown): SynapseError {
  return new SynapseError(
    "UNAVAILABLE",
    `Cannot reach ${hints.vendor} (${scrub(said, hints.secrets)}); check the network and ${hints.baseUrlEnv}, then retry.`,
    { cause },
  );
}

/** The SynapseError for an HTTP error status; `now` dates a Retry-After. */
export function httpFailureError(
  failure: HttpFailure,
  hints: ErrorHints,
  now: number,
  cause: unknown,
): SynapseError {
  const { vendor } = hints;
  const { status } = failure;
  const said = scrub(failure.message, hints.secrets);
  const code = codeForHttpStatus(status);
  const options = { cause };
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
      const wait = retryAfterMs(failure.headers, now);
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
      const overloaded = status === 529 || status === 503 || /overloaded/i.test(failure.body ?? "");
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

/** The SynapseError for an error a vendor sent inside an answer (`type` as the vendor names it). */
export function inAnswerError(
  type: string,
  message: string,
  hints: ErrorHints,
  cause: unknown,
): SynapseError {
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
export function inStreamError(err: unknown): { type: string; message: string } | undefined {
  if (typeof err !== "object" || err === null || err instanceof Error) return undefined;
  const o = err as { type?: unknown; message?: unknown; code?: unknown; status?: unknown; error?: unknown };
  if (typeof o.error === "object" && o.error !== null) return inStreamError(o.error);
  const type = [o.type, o.code, o.status].find((v) => typeof v === "string") as string | undefined;
  if (type === undefined && typeof o.message !== "string") return undefined;
  return { type: type ?? "", message: typeof o.message === "string" ? o.message : "" };
}

/** undici's "terminated" / "other side closed" and socket resets: the connection died mid-answer. */
export function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(UND_ERR_|ECONNRESET|EPIPE|ECONNREFUSED|ETIMEDOUT)/.test(code))
      return true;
    if (e.name === "TypeError" && /terminated|fetch failed/.test(e.message)) return true;
  }
  return false;
}
