/**
 * The simulator's execute: it describes the commands it was given (or that a task names) and
 * runs nothing — `executed: false`, `isolation: "none"`, exit code null.
 */
import type { ActionInput, ActionResult, CommandReport } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import { join, split } from "shlex";
import type { Rendered } from "./render-plan.js";
import { subject } from "./words.js";

// Commands a task's words suggest, first match wins, when the task quotes none in backticks.
const TASK_COMMANDS: [RegExp, string][] = [
  [/\btests?\b/i, "npm test"],
  [/\bbuild\b/i, "npm run build"],
  [/\blint\b/i, "npm run lint"],
  [/\binstall\b/i, "npm install"],
  [/\b(list|files|directory)\b/i, "ls -la"],
];

/** Splits a command line into argv like a POSIX shell would (quotes, escapes), without running one. */
export function splitCommand(command: string): string[] {
  let argv: string[];
  try {
    argv = split(command);
  } catch {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      "The command has an unclosed quote; close it or pass the command as an argv array.",
    );
  }
  if (argv.length === 0)
    throw new SynapseError("INVALID_ARGUMENT", "The command is empty; give a command to run.");
  return argv;
}

function commandsOf(input: ActionInput["execute"]): string[][] {
  if (Array.isArray(input.command)) return [input.command];
  if (input.command !== undefined) return [splitCommand(input.command)];
  const task = input.task ?? "";
  const quoted = [...task.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((c) => c.trim() !== "");
  if (quoted.length > 0) return quoted.map(splitCommand);
  const suggested = TASK_COMMANDS.find(([re]) => re.test(task));
  return [suggested ? splitCommand(suggested[1]) : ["echo", subject(task)]];
}

export function renderExecute(input: ActionInput["execute"]): Rendered<ActionResult["execute"]> {
  const timeout = input.timeoutMs === undefined ? "" : `, timeout ${input.timeoutMs} ms`;
  const commands: CommandReport[] = commandsOf(input).map((argv) => ({
    argv,
    exitCode: null,
    stdout: `sim describes commands instead of running them: \`${join(argv)}\` (${argv.length} argument${
      argv.length === 1 ? "" : "s"
    }${timeout}) was not run. Configure a real provider for codex to run commands.\n`,
    stderr: "",
    durationMs: 0,
  }));
  const text = commands.map((c) => `$ ${join(c.argv)}\n${c.stdout}`).join("\n");
  return { text, result: { commands, executed: false, isolation: "none" } };
}
