/**
 * What the model must answer for each action: a zod schema that validates the answer and the
 * JSON schema sent to the model, both built once at import. Plan, code, analyze and review
 * answer with the action's result (core RESULT_SCHEMAS); execute's model answers with the
 * commands to run (the result is what running them gives).
 */
import { type ActionName, RESULT_SCHEMAS } from "@synapse/core";
import type { StructuredOutput } from "@synapse/providers";
import { z } from "zod";

/** The answer the model gives for a codex task: the commands, and what they are for. */
export const CommandPlanSchema = z.object({
  explanation: z.string(),
  commands: z.array(z.string().min(1).max(10_000)).min(1).max(20),
});
export type CommandPlan = z.infer<typeof CommandPlanSchema>;

export interface AnswerSchema {
  /** The name users see in errors, e.g. "plan". */
  label: string;
  schema: z.ZodType<Record<string, unknown>>;
  output: StructuredOutput;
}

function answerSchema(label: string, schema: z.ZodType<Record<string, unknown>>): AnswerSchema {
  const json = z.toJSONSchema(schema, { target: "draft-7", io: "output" }) as Record<string, unknown>;
  // The "$schema" marker means nothing to the models' schema modes and some APIs reject it.
  const { $schema: _marker, ...rest } = json;
  return { label, schema, output: Object.freeze({ name: label, schema: Object.freeze(rest) }) };
}

export const ANSWER_SCHEMAS: Readonly<Record<ActionName, AnswerSchema>> = {
  plan: answerSchema("plan", RESULT_SCHEMAS.plan),
  code: answerSchema("code", RESULT_SCHEMAS.code),
  analyze: answerSchema("analyze", RESULT_SCHEMAS.analyze),
  review: answerSchema("review", RESULT_SCHEMAS.review),
  execute: answerSchema("command plan", CommandPlanSchema),
};

/** The section every system prompt ends with: the answer's shape, in words and as a schema. */
export function answerFormat(answer: AnswerSchema): string {
  return [
    "## Answer format",
    "",
    "Answer with exactly one JSON object that matches this JSON schema, and nothing else: no",
    "prose before or after it, no code fences.",
    "",
    JSON.stringify(answer.output.schema),
  ].join("\n");
}
