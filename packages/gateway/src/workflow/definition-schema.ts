/**
 * The shape of a workflow definition (YAML or JSON), validated with zod. This file checks only
 * the shape; what needs the whole definition (agents, step references, loops, templates) is
 * checked in validate-definition.ts.
 */
import { z } from "zod";

/** A step id: also part of LangGraph node names, so it keeps to a safe alphabet (no ":" or "|"). */
export const STEP_ID = /^[a-z][a-z0-9_-]{0,39}$/;
export const WORKFLOW_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** Where a step may go: another step's id, or "end". */
export const END_STEP = "end";

const stepRef = z
  .string()
  .regex(STEP_ID, 'must be a step id (lower-case letter, then letters, digits, "-" or "_") or "end"');

export const ConditionalNextSchema = z.strictObject({
  /** A condition over the input and earlier outputs, e.g. `steps.review.result.verdict == 'request_changes'`. */
  if: z.string().min(1).max(2_000),
  // biome-ignore lint/suspicious/noThenProperty: `then`/`else` is the definition language users write; parsed data is never awaited.
  then: stepRef,
  else: stepRef,
  /** Times this condition may send the run back (a loop branch); required when a branch loops. */
  maxRounds: z.number().int().min(0).max(1_000).optional(),
  /** What happens when the loop is still asked for after maxRounds: fail the run (default) or take the other branch. */
  onMaxRounds: z.enum(["fail", "continue"]).optional(),
});
export type ConditionalNext = z.infer<typeof ConditionalNextSchema>;

export const StepSchema = z.strictObject({
  id: z
    .string()
    .regex(STEP_ID, 'must start with a lower-case letter, then letters, digits, "-" or "_" (40 at most)'),
  agent: z.string().min(1),
  action: z.string().min(1),
  description: z.string().max(2_000).optional(),
  /** The action's input; string values may hold `{{input.x}}` and `{{steps.<id>.…}}` templates. */
  input: z.record(z.string(), z.unknown()).default({}),
  /** Deadline of this step's agent call in milliseconds. Defaults to workflow.stepTimeoutMs. */
  timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
  /** Wait for POST /api/v1/workflow/{id}/approve before this step runs. */
  approval: z.boolean().optional(),
  /** The next step: an id, "end", or a condition. Defaults to the following step (or the end). */
  next: z.union([stepRef, ConditionalNextSchema]).optional(),
});
export type StepDefinition = z.infer<typeof StepSchema>;

export const WorkflowDefinitionSchema = z.strictObject({
  name: z
    .string()
    .regex(WORKFLOW_NAME, 'must start with a lower-case letter, then letters, digits, "-" or "_"'),
  description: z.string().max(2_000).optional(),
  /** Input fields a run must give; when listed, templates may use only these. */
  inputs: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
    .max(50)
    .optional(),
  steps: z.array(StepSchema).min(1).max(100),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;
