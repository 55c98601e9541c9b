/**
 * Structured output for streamText/generateText that asks the model for JSON (the API's JSON
 * schema mode) but leaves the text alone. The SDK's `Output.object` re-parses the whole partial
 * JSON on every delta and merges deltas that leave the parsed value unchanged; we stream the
 * text as it comes and validate it once, at the end, in the role (which can then repair it).
 */
import type { JSONSchema7, OutputInterface } from "ai";
import type { StructuredOutput } from "../llm.js";

export function jsonTextOutput(spec: StructuredOutput): OutputInterface<string, string, never> {
  const responseFormat = Promise.resolve({
    type: "json" as const,
    schema: spec.schema as JSONSchema7,
    name: spec.name,
  });
  return {
    name: "json-text",
    responseFormat,
    parseCompleteOutput: async ({ text }) => text,
    parsePartialOutput: async ({ text }) => ({ partial: text }),
    createElementStreamTransform: () => undefined,
  };
}
