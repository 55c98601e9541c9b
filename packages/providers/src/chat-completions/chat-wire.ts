/**
 * Reading Chat Completions answers: the JSON body of a whole answer and each `data:` chunk of a
 * streamed one. Only the fields we use are looked at (the text, the finish reason, the usage, an
 * error object); anything else a server adds is ignored, and a body that is not a JSON object is
 * malformed. Checked by hand: zod (the SDK parses each body and chunk with it) was about 4 % of
 * the service's CPU on the provider path.
 */
import type { Usage } from "@synapse/core";

/** The error object some servers send in place of an answer or a chunk. */
export interface WireError {
  type: string;
  message: string;
}

/** A whole answer, or the error the server sent with a 2xx status. */
export type WholeAnswer = { text: string; usage: Usage } | { error: WireError };

/** What one chunk of a streamed answer carries. */
export interface ChunkInfo {
  /** The text it adds ("" when none). */
  text: string;
  /** It carries a finish reason: the answer is complete. */
  finished: boolean;
  usage?: Usage;
  error?: WireError;
}

/** Thrown for a body or chunk that is not what a Chat Completions server sends. */
export class MalformedAnswer extends Error {
  override readonly name = "MalformedAnswer";
}

interface WireChoice {
  message?: { content?: unknown };
  delta?: { content?: unknown };
  finish_reason?: unknown;
}

interface WireBody {
  choices?: unknown;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  error?: unknown;
}

export function readWholeAnswer(raw: string): WholeAnswer {
  const body = parseObject(raw);
  const error = wireError(body);
  if (error) return { error };
  const choice = firstChoice(body);
  if (!choice) throw new MalformedAnswer("The answer has no choices.");
  const content = choice.message?.content;
  return { text: typeof content === "string" ? content : "", usage: usageOf(body) ?? ZERO };
}

export function readChunk(data: string): ChunkInfo {
  const body = parseObject(data);
  const error = wireError(body);
  if (error) return { text: "", finished: false, error };
  const choice = firstChoice(body);
  const content = choice?.delta?.content;
  const usage = usageOf(body);
  return {
    text: typeof content === "string" ? content : "",
    finished: choice?.finish_reason !== undefined && choice.finish_reason !== null,
    ...(usage ? { usage } : {}),
  };
}

const ZERO: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0 });

function parseObject(raw: string): WireBody {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new MalformedAnswer("The answer is not JSON.", { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MalformedAnswer("The answer is not a JSON object.");
  }
  return value as WireBody;
}

function firstChoice(body: WireBody): WireChoice | undefined {
  if (!Array.isArray(body.choices)) return undefined;
  const first: unknown = body.choices[0];
  return typeof first === "object" && first !== null ? (first as WireChoice) : undefined;
}

function usageOf(body: WireBody): Usage | undefined {
  const usage = body.usage;
  if (typeof usage !== "object" || usage === null) return undefined;
  return { inputTokens: count(usage.prompt_tokens), outputTokens: count(usage.completion_tokens) };
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** `{ error: { message, type | code } }` (OpenAI) or `{ error: "text" }` (some servers). */
function wireError(body: WireBody): WireError | undefined {
  const error = body.error;
  if (error === undefined || error === null) return undefined;
  if (typeof error === "string") return { type: "", message: error };
  if (typeof error !== "object") return { type: "", message: String(error) };
  const e = error as { type?: unknown; code?: unknown; message?: unknown };
  const type = [e.type, e.code].find((v) => typeof v === "string") as string | undefined;
  return { type: type ?? "", message: typeof e.message === "string" ? e.message : "" };
}

/** The vendor's message in an error body, or undefined when it has none (not JSON, no message). */
export function errorMessageOf(raw: string): string | undefined {
  try {
    const message = wireError(parseObject(raw))?.message;
    return message ? message : undefined;
  } catch {
    return undefined;
  }
}
