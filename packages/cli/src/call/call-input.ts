/**
 * The input of `synapse call`, from the command line: the text goes into the action's main
 * field (plan/code: task, analyze: text, review: code, execute: command), `--input` gives the
 * whole input as JSON, `--command` the command of codex execute (the text is then its task).
 * Only the shape is settled here; the service validates the input against the action's schema.
 */
import { type ActionName, SynapseError } from "@synapse/core";

/** The field the text fills, per action. */
export const TEXT_FIELD: Record<ActionName, string> = {
  plan: "task",
  code: "task",
  analyze: "text",
  review: "code",
  execute: "command",
};

export interface InputOptions {
  /** `--input`: the whole input as a JSON object. */
  input?: string;
  /** `--command`: the command for codex execute. */
  command?: string;
}

export function buildInput(
  action: ActionName,
  text: string | undefined,
  options: InputOptions = {},
): Record<string, unknown> {
  if (options.command !== undefined && action !== "execute") {
    throw new SynapseError("INVALID_ARGUMENT", "--command is only for codex execute.");
  }
  if (options.input !== undefined) {
    if (text !== undefined || options.command !== undefined) {
      throw new SynapseError(
        "INVALID_ARGUMENT",
        "--input gives the whole input; put the text or command inside it instead of giving both.",
      );
    }
    return parseJsonObject(options.input);
  }
  if (options.command !== undefined) {
    return text === undefined ? { command: options.command } : { command: options.command, task: text };
  }
  if (text === undefined) {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `Give the ${TEXT_FIELD[action]} as the text argument ("-" reads standard input), ` +
        "or the whole input with --input JSON.",
    );
  }
  return { [TEXT_FIELD[action]]: text };
}

function parseJsonObject(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new SynapseError("INVALID_ARGUMENT", `--input is not valid JSON: ${(err as Error).message}.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SynapseError("INVALID_ARGUMENT", `--input must be a JSON object, e.g. '{"task":"…"}'.`);
  }
  return value as Record<string, unknown>;
}
