/**
 * The agent contract (DESIGN.md, "Agents and actions"): which agent does which action, what each
 * action takes and what it answers. Inputs are validated once, at the edge, with these schemas.
 */
import { z } from "zod";
import { SynapseError } from "./errors.js";

export const AGENTS = ["claude", "gemini", "codex"] as const;
export type AgentName = (typeof AGENTS)[number];

export const ACTIONS_BY_AGENT = {
  claude: ["plan", "code"],
  gemini: ["analyze", "review"],
  codex: ["execute"],
} as const satisfies Record<AgentName, readonly string[]>;

export type ActionName = (typeof ACTIONS_BY_AGENT)[AgentName][number];
export const ACTIONS: readonly ActionName[] = AGENTS.flatMap((a) => ACTIONS_BY_AGENT[a]);

export const ACTION_DESCRIPTIONS: Record<ActionName, string> = {
  plan: "Turns a task into ordered steps, each with a goal and an acceptance check.",
  code: "Writes code for a task or plan step: files (path and content) or a unified diff, with an explanation.",
  analyze: "Analyses text or code: findings with severity, location and message, and a summary.",
  review: "Reviews code or a diff: a verdict (approve or request_changes) and comments with locations.",
  execute: "Runs a command (or a task turned into commands): argv, exit code, output and duration for each.",
};

export function isAgent(value: unknown): value is AgentName {
  return typeof value === "string" && (AGENTS as readonly string[]).includes(value);
}

/** Checks that `agent` exists and serves `action`; throws NOT_FOUND / INVALID_ARGUMENT otherwise. */
export function assertAgentAction(agent: string, action: string): { agent: AgentName; action: ActionName } {
  if (!isAgent(agent)) {
    throw new SynapseError("NOT_FOUND", `Unknown agent "${agent}". Agents: ${AGENTS.join(", ")}.`);
  }
  const actions: readonly string[] = ACTIONS_BY_AGENT[agent];
  if (!actions.includes(action)) {
    throw new SynapseError(
      "NOT_FOUND",
      `Agent "${agent}" has no action "${action}". Its actions: ${actions.join(", ")}.`,
    );
  }
  return { agent, action: action as ActionName };
}

// ---- inputs -------------------------------------------------------------------------------

const text = (max: number) => z.string().min(1).max(max);

export const FileSchema = z.object({ path: z.string().min(1).max(1024), content: z.string().max(1_000_000) });
export type SourceFile = z.infer<typeof FileSchema>;

export const PlanStepSchema = z.object({
  id: z.number().int().min(1),
  goal: z.string(),
  check: z.string(),
});
export type PlanStep = z.infer<typeof PlanStepSchema>;

export const ReviewCommentSchema = z.object({
  location: z.string(),
  message: z.string(),
});
export type ReviewComment = z.infer<typeof ReviewCommentSchema>;

export const PlanInputSchema = z.strictObject({
  task: text(20_000),
  context: z.string().max(100_000).optional(),
});

export const CodeInputSchema = z.strictObject({
  task: text(20_000),
  step: PlanStepSchema.optional(),
  plan: z.array(PlanStepSchema).max(100).optional(),
  files: z.array(FileSchema).max(200).optional(),
  /** Review comments to address (the workflow's review loop). */
  comments: z.array(ReviewCommentSchema).max(200).optional(),
  language: z.string().max(50).optional(),
});

export const AnalyzeInputSchema = z.strictObject({
  text: text(1_000_000),
  language: z.string().max(50).optional(),
  focus: z.string().max(2_000).optional(),
});

export const ReviewInputSchema = z
  .strictObject({
    code: z.string().max(1_000_000).optional(),
    diff: z.string().max(1_000_000).optional(),
    files: z.array(FileSchema).max(200).optional(),
    task: z.string().max(20_000).optional(),
  })
  .refine((v) => Boolean(v.code || v.diff || v.files?.length), {
    message: "give code, diff or files to review",
  });

export const ExecuteInputSchema = z
  .strictObject({
    /** A command line (split into argv without a shell) or an argv array. */
    command: z.union([text(10_000), z.array(z.string().max(10_000)).min(1).max(1_000)]).optional(),
    /** A task the model turns into commands. */
    task: z.string().min(1).max(20_000).optional(),
    /** Milliseconds before the command's process group is killed. */
    timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  })
  .refine((v) => v.command !== undefined || v.task !== undefined, { message: "give a command or a task" });

export const INPUT_SCHEMAS = {
  plan: PlanInputSchema,
  code: CodeInputSchema,
  analyze: AnalyzeInputSchema,
  review: ReviewInputSchema,
  execute: ExecuteInputSchema,
} as const;

export type ActionInput = {
  plan: z.infer<typeof PlanInputSchema>;
  code: z.infer<typeof CodeInputSchema>;
  analyze: z.infer<typeof AnalyzeInputSchema>;
  review: z.infer<typeof ReviewInputSchema>;
  execute: z.infer<typeof ExecuteInputSchema>;
};

// ---- results ------------------------------------------------------------------------------

export const PlanResultSchema = z.object({ steps: z.array(PlanStepSchema).min(1) });

export const CodeResultSchema = z.object({
  files: z.array(FileSchema),
  diff: z.string().optional(),
  explanation: z.string(),
});

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export const FindingSchema = z.object({
  severity: z.enum(SEVERITIES),
  location: z.string(),
  message: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const AnalyzeResultSchema = z.object({ findings: z.array(FindingSchema), summary: z.string() });

export const VERDICTS = ["approve", "request_changes"] as const;
export const ReviewResultSchema = z.object({
  verdict: z.enum(VERDICTS),
  comments: z.array(ReviewCommentSchema),
  summary: z.string(),
});

export const CommandReportSchema = z.object({
  argv: z.array(z.string()),
  /** null when the command did not run to an exit (killed, or only described). */
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  durationMs: z.number(),
  /** Set when the process group was killed (timeout or cancel). */
  killed: z.boolean().optional(),
  /** Set when stdout or stderr was cut at the cap. */
  truncated: z.boolean().optional(),
});
export type CommandReport = z.infer<typeof CommandReportSchema>;

export const ExecuteResultSchema = z.object({
  commands: z.array(CommandReportSchema),
  /** false when the commands were only described (the `sim` provider), true when they really ran. */
  executed: z.boolean(),
  /** The isolation in force: "bwrap", "process" or "none" (described only). */
  isolation: z.string(),
});

export const RESULT_SCHEMAS = {
  plan: PlanResultSchema,
  code: CodeResultSchema,
  analyze: AnalyzeResultSchema,
  review: ReviewResultSchema,
  execute: ExecuteResultSchema,
} as const;

export type ActionResult = {
  plan: z.infer<typeof PlanResultSchema>;
  code: z.infer<typeof CodeResultSchema>;
  analyze: z.infer<typeof AnalyzeResultSchema>;
  review: z.infer<typeof ReviewResultSchema>;
  execute: z.infer<typeof ExecuteResultSchema>;
};

/**
 * Validates an action's input, throwing INVALID_ARGUMENT with every problem named
 * (e.g. `input.task: Too small: expected string to have >=1 characters`).
 */
export function parseInput<A extends ActionName>(action: A, input: unknown): ActionInput[A] {
  const parsed = INPUT_SCHEMAS[action].safeParse(input ?? {});
  if (!parsed.success) {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `Invalid input for ${action}: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data as ActionInput[A];
}

/** One line naming each problem with its path. */
export function describeIssues(error: z.ZodError, prefix = "input"): string {
  return error.issues.map((i) => `${[prefix, ...i.path.map(String)].join(".")}: ${i.message}`).join("; ");
}
