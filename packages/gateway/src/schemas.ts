/**
 * JSON schemas for the routes, built once at start-up. Action inputs come from the zod schemas
 * in @synapse/core, so the HTTP edge, the OpenAPI document and the services agree by construction.
 */
import { type ActionName, AGENTS, INPUT_SCHEMAS } from "@synapse/core";
import { z } from "zod";

type JsonSchema = Record<string, unknown>;

/** The action's input as JSON Schema (draft-07, what Fastify's Ajv speaks), plus `stream`. */
export function actionBodySchema(action: ActionName): JsonSchema {
  const schema = z.toJSONSchema(INPUT_SCHEMAS[action], { target: "draft-7", io: "input" }) as JsonSchema;
  delete schema.$schema;
  const properties = { ...(schema.properties as JsonSchema), stream: STREAM_FLAG };
  return { ...schema, properties };
}

const STREAM_FLAG = {
  type: "boolean",
  description: "Stream the answer as Server-Sent Events (same as Accept: text/event-stream).",
};

export const genericBodySchema: JsonSchema = {
  type: "object",
  description: "The action's input (see the per-action routes for each shape), plus `stream`.",
  properties: { stream: STREAM_FLAG },
  additionalProperties: true,
};

export const agentResponseSchema: JsonSchema = {
  type: "object",
  required: ["agent", "action", "result", "text", "usage", "provider", "model", "latencyMs"],
  properties: {
    agent: { type: "string", enum: [...AGENTS] },
    action: { type: "string" },
    result: { type: "object", additionalProperties: true, description: "The action's structured result." },
    text: { type: "string" },
    usage: {
      type: "object",
      properties: { inputTokens: { type: "integer" }, outputTokens: { type: "integer" } },
    },
    provider: { type: "string" },
    model: { type: "string" },
    latencyMs: { type: "number" },
    fallback: {
      type: "object",
      description: "Present when the answer did not come from a provider.",
      properties: { kind: { type: "string", enum: ["cache", "rule"] }, ageMs: { type: "number" } },
    },
    requestId: { type: "string" },
  },
};

export const errorResponseSchema: JsonSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        requestId: { type: "string" },
        details: { type: "object", additionalProperties: true },
      },
    },
  },
};

export const sseResponse = {
  description:
    "With Accept: text/event-stream or stream: true — events `chunk` (id streamId:seq), then `final`.",
  content: { "text/event-stream": { schema: { type: "string" } } },
};
