/**
 * The LLM client interface: what the real providers (vendor APIs through the AI SDK, the vendors'
 * coding CLIs) offer the roles in @synapse/agents — text in, text out (JSON when asked), streamed
 * or whole, with usage, cancellation and errors already mapped to SynapseError codes. The roles
 * turn an action's input into prompts and validate the answer; clients know nothing of actions.
 */
import { SynapseError, type Usage } from "@synapse/core";

/** A JSON schema the answer must match, built once per action (not per call). */
export interface StructuredOutput {
  /** A short name for the schema, e.g. "plan" (some APIs send it to the model). */
  readonly name: string;
  /** The JSON schema (draft 7) of the answer. */
  readonly schema: Readonly<Record<string, unknown>>;
}

export interface LlmRequest {
  /** The system prompt: the role's instructions. */
  system: string;
  /** The user message. */
  prompt: string;
  /**
   * When set, the model is asked for one JSON object matching this schema (the API's structured
   * output mode where it has one). The client does not validate the answer; the role does.
   */
  output?: StructuredOutput;
  /** Aborting it ends the call promptly with CANCELLED (or the SynapseError given as the reason). */
  signal: AbortSignal;
}

/** A piece of the answer, or its end with the usage. */
export type LlmEvent =
  | { type: "text"; text: string }
  | {
      type: "done";
      usage: Usage;
      /**
       * The final message alone, when the source tells it apart from earlier ones (a CLI agent
       * may think aloud before answering); structured answers are looked for here first.
       */
      final?: string;
    };

export interface LlmAnswer {
  text: string;
  usage: Usage;
  final?: string;
}

export interface LlmClient {
  /** The provider's name as responses show it, e.g. "anthropic", "openai-compatible", "cli". */
  readonly provider: string;
  /** The model answering, e.g. "claude-sonnet-4-5" ("default" when a CLI picks its own). */
  readonly model: string;
  /** Streams one answer: text events, then exactly one `done`. Throws SynapseError. */
  stream(request: LlmRequest): AsyncIterable<LlmEvent>;
  /** One whole answer (the API's non-streaming call where there is one). Throws SynapseError. */
  complete(request: LlmRequest): Promise<LlmAnswer>;
  /** Releases pooled connections. Idempotent. */
  close(): Promise<void>;
}

/** A usage with both counts 0. */
export const NO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0 });

/** Drains a client's stream into one answer (for clients with no separate non-streaming call). */
export async function collect(events: AsyncIterable<LlmEvent>): Promise<LlmAnswer> {
  let text = "";
  for await (const event of events) {
    if (event.type === "text") text += event.text;
    else return { text, usage: event.usage, ...(event.final === undefined ? {} : { final: event.final }) };
  }
  throw new SynapseError("INTERNAL", "The model's answer ended without a result.");
}
