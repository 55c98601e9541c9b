/**
 * The built-in workflow, written in the same definition language users write theirs in:
 * claude.plan → claude.code → gemini.review, back to code with the review's comments (and the
 * previous files) while the verdict is request_changes, at most `maxRounds` times → codex.execute.
 */
import type { WorkflowDefinition } from "./definition-schema.js";

export const DEFAULT_WORKFLOW = "default";

/** The default workflow with its loop bounded by `maxRounds` (workflow.maxReviewRounds). */
export function defaultWorkflow(maxRounds: number): WorkflowDefinition {
  return {
    name: DEFAULT_WORKFLOW,
    description: "plan → code → review (back to code while changes are requested) → execute",
    inputs: ["task"],
    steps: [
      { id: "plan", agent: "claude", action: "plan", input: { task: "{{input.task}}" } },
      {
        id: "code",
        agent: "claude",
        action: "code",
        input: {
          task: "{{input.task}}",
          plan: "{{steps.plan.result.steps}}",
          // Absent on the first round; afterwards the previous files and what the review asked for.
          files: "{{steps.code.result.files}}",
          comments: "{{steps.review.result.comments}}",
        },
      },
      {
        id: "review",
        agent: "gemini",
        action: "review",
        input: {
          task: "{{input.task}}",
          files: "{{steps.code.result.files}}",
          diff: "{{steps.code.result.diff}}",
        },
        next: {
          if: "steps.review.result.verdict == 'request_changes'",
          // biome-ignore lint/suspicious/noThenProperty: the definition language's branch; never awaited.
          then: "code",
          else: "execute",
          maxRounds,
        },
      },
      {
        id: "execute",
        agent: "codex",
        action: "execute",
        // codex turns this into commands and runs them through its allowlisted executor
        // (sim only describes them): the checks the plan asks for, not arbitrary code.
        input: { task: "Run the tests and checks that verify this change: {{input.task}}" },
      },
    ],
  };
}
