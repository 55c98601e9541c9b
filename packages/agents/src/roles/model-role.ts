/**
 * One action answered by a model: the role's system prompt, the input as the user message, the
 * answer's schema asked of the model; the text streams as it comes and the result is parsed at
 * the end. An answer that does not validate gets one repair call (the model sees its answer and
 * what was wrong); a second bad answer fails the call with a clear INTERNAL error. The text
 * kept is always the first answer's: it is what streamed.
 */
import { SynapseError, type Usage } from "@synapse/core";
import type { LlmAnswer, LlmClient, LlmRequest } from "@synapse/providers";
import type { z } from "zod";
import type { AnswerSchema } from "./answer-schemas.js";
import { checkAnswer } from "./structured-answer.js";
import { fence } from "./user-prompts.js";

/** Longest previous answer quoted back in a repair call, in characters. */
const MAX_QUOTED_ANSWER = 20_000;

export interface ModelRoleOptions {
  llm: LlmClient;
  /** The whole system prompt (role instructions and answer format). */
  system: string;
  answer: AnswerSchema;
  /** The setting naming the model, for the error hint (e.g. SYNAPSE_CLAUDE_MODEL). */
  modelEnv: string;
  /** Called with the usage of every model call (repairs included), as it ends. */
  onUsage: (usage: Usage) => void;
}

export type RoleEvent<T> = { type: "text"; text: string } | { type: "done"; result: T; usage: Usage };

export class ModelRole<T = Record<string, unknown>> {
  constructor(readonly options: ModelRoleOptions) {}

  /** Streams the model's text, then one `done` with the validated result and the total usage. */
  async *stream(prompt: string, signal: AbortSignal): AsyncGenerator<RoleEvent<T>> {
    let text = "";
    for await (const event of this.options.llm.stream(this.#request(prompt, signal))) {
      if (event.type === "text") {
        text += event.text;
        yield event;
        continue;
      }
      this.options.onUsage(event.usage);
      const first: LlmAnswer = {
        text,
        usage: event.usage,
        ...(event.final === undefined ? {} : { final: event.final }),
      };
      const { result, usage } = await this.#settle(prompt, first, signal);
      yield { type: "done", result, usage };
      return;
    }
  }

  /** One whole answer (the client's non-streaming call): its text, validated result and usage. */
  async complete(prompt: string, signal: AbortSignal): Promise<{ text: string; result: T; usage: Usage }> {
    const first = await this.options.llm.complete(this.#request(prompt, signal));
    this.options.onUsage(first.usage);
    const { result, usage } = await this.#settle(prompt, first, signal);
    return { text: first.text, result, usage };
  }

  /** The first answer's result, or the repaired one; throws INTERNAL when neither validates. */
  async #settle(prompt: string, first: LlmAnswer, signal: AbortSignal): Promise<{ result: T; usage: Usage }> {
    const { answer, modelEnv } = this.options;
    // The answer schema is chosen by action at construction; T names the result it validates.
    const schema = answer.schema as unknown as z.ZodType<T>;
    const checked = checkAnswer(schema, [first.final, first.text]);
    if (checked.ok) return { result: checked.value, usage: first.usage };
    const repair = await this.options.llm.complete(
      this.#request(repairPrompt(prompt, first.text, checked.problem), signal),
    );
    this.options.onUsage(repair.usage);
    const usage = {
      inputTokens: first.usage.inputTokens + repair.usage.inputTokens,
      outputTokens: first.usage.outputTokens + repair.usage.outputTokens,
    };
    const again = checkAnswer(schema, [repair.final, repair.text]);
    if (again.ok) return { result: again.value, usage };
    throw new SynapseError(
      "INTERNAL",
      `The model's answer did not match the ${answer.label} schema: ${again.problem} (also after one repair attempt). Retry the call, or choose a more capable model (${modelEnv}).`,
      { details: { firstProblem: checked.problem } },
    );
  }

  #request(prompt: string, signal: AbortSignal): LlmRequest {
    return { system: this.options.system, prompt, output: this.options.answer.output, signal };
  }
}

/** The repair call's message: the request again, the bad answer, and what was wrong with it. */
export function repairPrompt(prompt: string, previous: string, problem: string): string {
  const quoted =
    previous.length > MAX_QUOTED_ANSWER ? `${previous.slice(0, MAX_QUOTED_ANSWER)}\n[… cut]` : previous;
  return [
    prompt,
    "## Your previous answer",
    fence(quoted),
    "## What was wrong with it",
    `It does not match the required JSON schema: ${problem}.`,
    "Answer again with only the corrected JSON object.",
  ].join("\n\n");
}
