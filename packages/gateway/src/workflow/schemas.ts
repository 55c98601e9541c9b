/** JSON schemas of the workflow routes (they validate requests and feed the OpenAPI document). */
import { agentResponseSchema } from "../schemas.js";
import { RUN_STATUSES } from "./run-store.js";

type JsonSchema = Record<string, unknown>;

const errorShape: JsonSchema = {
  type: "object",
  properties: { code: { type: "string" }, message: { type: "string" } },
};

export const startRunBody: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description:
    'Give `task` (the default workflow) or `input` (any workflow), e.g. {"workflow": "docs", "input": {"topic": "x"}}.',
  properties: {
    task: { type: "string", minLength: 1, maxLength: 20_000, description: "The task; same as input.task." },
    workflow: {
      type: "string",
      pattern: "^[a-z][a-z0-9_-]{0,63}$",
      description: 'A workflow name. Defaults to "default".',
    },
    input: { type: "object", additionalProperties: true, description: "The workflow's input." },
    approval: {
      type: "boolean",
      description: "Wait for POST …/approve before execute steps (default: workflow.requireApproval).",
    },
    stream: {
      type: "boolean",
      description: "Stream progress as Server-Sent Events (same as Accept: text/event-stream).",
    },
  },
  anyOf: [{ required: ["task"] }, { required: ["input"] }],
};

export const runIdParams: JsonSchema = {
  type: "object",
  properties: { id: { type: "string", minLength: 1, maxLength: 100 } },
  required: ["id"],
};

export const listQuery: JsonSchema = {
  type: "object",
  properties: {
    limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
    cursor: { type: "string", maxLength: 200, description: "nextCursor of the previous page." },
    status: { type: "string", enum: [...RUN_STATUSES] },
  },
};

const summaryProperties: JsonSchema = {
  id: { type: "string" },
  workflow: { type: "string" },
  status: { type: "string", enum: [...RUN_STATUSES] },
  createdAt: { type: "number", description: "Epoch milliseconds." },
  updatedAt: { type: "number" },
  finishedAt: { type: "number" },
  durationMs: { type: "number" },
  error: errorShape,
  awaiting: { type: "string", description: "The step waiting for approval." },
};

export const runSummarySchema: JsonSchema = { type: "object", properties: summaryProperties };

export const runAcceptedSchema: JsonSchema = {
  type: "object",
  properties: {
    ...summaryProperties,
    links: {
      type: "object",
      properties: {
        self: { type: "string" },
        events: { type: "string" },
        approve: { type: "string" },
        reject: { type: "string" },
        cancel: { type: "string" },
      },
    },
  },
};

const stepSchema: JsonSchema = {
  type: "object",
  properties: {
    step: { type: "string" },
    agent: { type: "string" },
    action: { type: "string" },
    round: { type: "integer" },
    status: { type: "string", enum: ["succeeded", "running"] },
    streamId: { type: "string" },
    startedAt: { type: "number" },
    finishedAt: { type: "number" },
    durationMs: { type: "number" },
    resumed: {
      type: "object",
      description: "Set when the step's stream was cut by a gateway restart and picked up after afterSeq.",
      properties: { afterSeq: { type: "integer" }, continued: { type: "boolean" } },
    },
    output: agentResponseSchema,
  },
};

export const runViewSchema: JsonSchema = {
  type: "object",
  properties: {
    ...summaryProperties,
    owner: {
      type: "string",
      description:
        "The gateway instance that drives (or last drove) the run; another takes over when its lease lapses.",
    },
    input: { type: "object", additionalProperties: true },
    approval: { type: "boolean" },
    deadline: { type: "number" },
    rounds: {
      type: "object",
      additionalProperties: { type: "integer" },
      description: "Loop rounds by step.",
    },
    stepCount: { type: "integer" },
    steps: { type: "array", items: stepSchema },
    result: {
      type: "object",
      additionalProperties: agentResponseSchema,
      description: "Each step's latest output.",
    },
  },
};

export const runListSchema: JsonSchema = {
  type: "object",
  properties: { runs: { type: "array", items: runSummarySchema }, nextCursor: { type: "string" } },
};

export const definitionBody: JsonSchema = {
  type: "object",
  additionalProperties: true,
  description:
    "A workflow definition: {name, description?, inputs?, steps: [{id, agent, action, input, timeoutMs?, approval?, next?}]} " +
    "(JSON, or YAML with Content-Type: application/yaml).",
};

export const definitionSchema: JsonSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    source: { type: "string", enum: ["builtin", "file", "api"] },
    description: { type: "string" },
    inputs: { type: "array", items: { type: "string" } },
    steps: { type: "array", items: { type: "object", additionalProperties: true } },
  },
};

export const sseRunResponse = {
  description:
    "With Accept: text/event-stream or stream: true — events run_started, step_started, chunk, step_finished, awaiting_approval, run_finished.",
  content: { "text/event-stream": { schema: { type: "string" } } },
};
