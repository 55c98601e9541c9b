/**
 * Codex's execute, for every provider: a `command` runs as given through the command executor
 * (no model involved); a `task` is first turned into commands by the planner (the model, or
 * sim), then they run. The text is the transcript of what ran; the result is the executor's
 * report, `executed: true` with the isolation in force.
 */
import { type ActionInput, SynapseError, type Usage } from "@synapse/core";
import { type Continuation, NO_USAGE, type ProviderEvent, throwIfAborted } from "@synapse/providers";
import type { CommandExecutor } from "../executor/index.js";
import type { CommandPlanner } from "./command-planners.js";
import { transcriptOf } from "./transcript.js";

export interface ExecuteCall {
  input: ActionInput["execute"];
  continuation?: Continuation | undefined;
  signal: AbortSignal;
}

export class ExecuteRole {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly planner: CommandPlanner,
  ) {}

  async *stream(call: ExecuteCall): AsyncGenerator<ProviderEvent> {
    if (call.continuation) {
      throw new SynapseError(
        "FAILED_PRECONDITION",
        "Commands that ran cannot be continued on another replica (they would run twice); resume the stream where it ran, or call again.",
      );
    }
    const { input, signal } = call;
    let commands: (string | readonly string[])[];
    let usage: Usage = NO_USAGE;
    if (input.command !== undefined) {
      commands = [input.command];
    } else {
      const planned = await this.planner.plan(input.task ?? "", signal);
      commands = planned.commands;
      usage = planned.usage;
      yield { type: "text", text: `${planned.explanation}\n\n` };
    }
    const report = await this.executor.runAll(commands, {
      signal,
      ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
    });
    // A cancelled run ends in reports marked killed; the caller asked for the cancellation instead.
    throwIfAborted(signal);
    for (const command of report.commands) {
      for (const line of transcriptOf(command)) yield { type: "text", text: line };
    }
    yield {
      type: "done",
      result: { commands: report.commands, executed: report.executed, isolation: report.isolation },
      usage,
    };
  }
}
