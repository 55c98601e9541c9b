/**
 * The request body of a Chat Completions call, as the AI SDK's OpenAI and OpenAI-compatible
 * models wrote it for our calls: the model, a system and a user message, the answer's JSON
 * schema as `response_format` (non-strict: our result schemas have optional properties, which
 * strict mode refuses; the role validates the answer), and for a stream `stream_options` asking
 * for usage. The parts that repeat — the model, each role's system prompt, each schema — are
 * serialized once and the body is put together around the one part that changes, the user's
 * prompt (a stringify of the whole body, schema and system prompt included, cost more than the
 * rest of building the call).
 */
import type { LlmRequest, StructuredOutput } from "../llm.js";

/** Chat Completions APIs this client speaks to. */
export type ChatVendor = "openai" | "openai-compatible";

/** Most system prompts kept serialized; a role has one per action, so this is never reached in use. */
const MAX_SYSTEMS = 64;

const STREAM_TAIL = ',"stream":true,"stream_options":{"include_usage":true}}';

export class ChatBody {
  readonly #head: string;
  readonly #systems = new Map<string, string>();
  readonly #formats = new WeakMap<StructuredOutput, string>();

  constructor(vendor: ChatVendor, model: string) {
    const role = vendor === "openai" && isOpenAiReasoningModel(model) ? "developer" : "system";
    this.#head = `{"model":${JSON.stringify(model)},"messages":[{"role":"${role}","content":`;
  }

  /** The JSON body for `request`, streamed or not. */
  build(request: LlmRequest, stream: boolean): string {
    const format = request.output ? `,"response_format":${this.#format(request.output)}` : "";
    return `${this.#head}${this.#system(request.system)}},{"role":"user","content":${JSON.stringify(request.prompt)}}]${format}${stream ? STREAM_TAIL : "}"}`;
  }

  #system(text: string): string {
    let json = this.#systems.get(text);
    if (json === undefined) {
      if (this.#systems.size >= MAX_SYSTEMS) this.#systems.clear();
      json = JSON.stringify(text);
      this.#systems.set(text, json);
    }
    return json;
  }

  #format(spec: StructuredOutput): string {
    let json = this.#formats.get(spec);
    if (json === undefined) {
      json = JSON.stringify({
        type: "json_schema",
        json_schema: { schema: spec.schema, strict: false, name: spec.name },
      });
      this.#formats.set(spec, json);
    }
    return json;
  }
}

/**
 * Whether OpenAI wants the system prompt as a `developer` message: its reasoning models (o1, o3,
 * o4-mini, gpt-5 and later, but not the gpt-5-chat models), as the AI SDK decides it.
 */
export function isOpenAiReasoningModel(model: string): boolean {
  if (/^o\d+(?:-|$)/.test(model)) return true;
  const gpt = /^gpt-(\d+)(?:\.(\d+))?(?:-(.+))?$/.exec(model);
  if (!gpt) return false;
  const chat = gpt[2] === undefined && (gpt[3]?.startsWith("chat") ?? false);
  return Number(gpt[1]) >= 5 && !chat;
}
