/**
 * Turning a codex task into commands. With a model, the model answers with the commands (the
 * execute role's prompt tells it the rules and the allowed programs). With sim, the commands are
 * the ones sim derives from the task, deterministically, kept to the allowlist: a command whose
 * program is not allowed becomes an `echo` saying what sim would have run and how to allow it.
 */
import { basename } from "node:path";
import type { Usage } from "@synapse/core";
import { complete, type Provider } from "@synapse/providers";
import { join } from "shlex";
import type { CommandPlan } from "./answer-schemas.js";
import type { ModelRole } from "./model-role.js";
import { userPrompt } from "./user-prompts.js";

export interface PlannedCommands {
  commands: (string | string[])[];
  /** Said before the transcript. */
  explanation: string;
  usage: Usage;
}

export interface CommandPlanner {
  plan(task: string, signal: AbortSignal): Promise<PlannedCommands>;
}

/** Asks the model (non-streaming: what streams for execute is the transcript). */
export class ModelCommandPlanner implements CommandPlanner {
  constructor(private readonly role: ModelRole<CommandPlan>) {}

  async plan(task: string, signal: AbortSignal): Promise<PlannedCommands> {
    const { result, usage } = await this.role.complete(userPrompt("execute", { task }), signal);
    return { commands: result.commands, explanation: result.explanation, usage };
  }
}

/** Asks sim (so sim's faults and directives apply to a task as to any model call). */
export class SimCommandPlanner implements CommandPlanner {
  constructor(
    private readonly sim: Provider,
    private readonly allowed: ReadonlySet<string>,
    /** Called with the usage of each planning answer. */
    private readonly onUsage: (usage: Usage) => void = () => {},
  ) {}

  async plan(task: string, signal: AbortSignal): Promise<PlannedCommands> {
    const answer = await complete(this.sim, { agent: "codex", action: "execute", input: { task }, signal });
    this.onUsage(answer.usage);
    const described = (answer.result.commands ?? []) as { argv: string[] }[];
    const commands = described.map(({ argv }) => {
      const program = basename(argv[0] ?? "");
      if (this.allowed.has(program)) return argv;
      return [
        "echo",
        `sim would run \`${join(argv)}\`, but ${program} is not allowed; add it to SYNAPSE_CODEX_ALLOWED_PROGRAMS to run it.`,
      ];
    });
    return {
      commands,
      explanation: "Commands sim derived from the task (sim is the offline simulator, not a model):",
      usage: answer.usage,
    };
  }
}
