/**
 * The roles' system prompts live in files a user can read and override: shipped as
 * `packages/agents/prompts/<agent>-<action>.md`, and replaced by a file of the same name in
 * the directory SYNAPSE_PROMPTS_DIR names. Read once at start-up, never per call.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ACTIONS_BY_AGENT, type ActionName, type AgentName, SynapseError } from "@synapse/core";

/** The directory of the shipped prompts (from dist/src/prompts/ back to the package). */
export const SHIPPED_PROMPTS_DIR = fileURLToPath(new URL("../../../prompts/", import.meta.url));

/** The file name of an action's prompt, e.g. "claude-plan.md". */
export function promptFileName(agent: AgentName, action: ActionName): string {
  return `${agent}-${action}.md`;
}

export interface LoadedPrompt {
  text: string;
  /** Where it was read from (for the start-up log). */
  source: "shipped" | "override";
}

/**
 * The prompt for each of `agent`'s actions: the override from `overrideDir` when it has that
 * file, else the shipped one. Throws FAILED_PRECONDITION when `overrideDir` cannot be read, or
 * a prompt file is empty.
 */
export function loadPrompts(agent: AgentName, overrideDir = ""): Map<ActionName, LoadedPrompt> {
  let overrides = new Set<string>();
  if (overrideDir) {
    try {
      overrides = new Set(readdirSync(overrideDir));
    } catch (err) {
      throw new SynapseError(
        "FAILED_PRECONDITION",
        `SYNAPSE_PROMPTS_DIR=${overrideDir} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}); fix the path or unset it.`,
        { cause: err },
      );
    }
  }
  const prompts = new Map<ActionName, LoadedPrompt>();
  for (const action of ACTIONS_BY_AGENT[agent]) {
    const name = promptFileName(agent, action);
    const source = overrides.has(name) ? "override" : "shipped";
    const path = join(source === "override" ? overrideDir : SHIPPED_PROMPTS_DIR, name);
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch (err) {
      throw new SynapseError("FAILED_PRECONDITION", `The prompt file ${name} cannot be read (${source}).`, {
        cause: err,
      });
    }
    if (!text) {
      throw new SynapseError(
        "FAILED_PRECONDITION",
        `The prompt file ${name} (${source}) is empty; write the role's instructions in it.`,
      );
    }
    prompts.set(action, { text, source });
  }
  return prompts;
}

/** `template` with each `{{name}}` replaced by `values[name]` (unknown names are left as they are). */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}
