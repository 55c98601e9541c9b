/**
 * The workflows a run can name: the built-in `default`, the files in workflow.definitionsDir
 * (*.yaml, *.yml, *.json, read at start-up) and those registered with POST /api/v1/workflows
 * (kept in the run store, so they survive restarts). A file that does not validate is skipped
 * with a warning naming the file and the problem; the gateway still starts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Logger, SynapseError } from "@synapse/core";
import { parse as parseYaml } from "yaml";
import { DEFAULT_WORKFLOW, defaultWorkflow } from "./default-workflow.js";
import type { RunStore } from "./run-store.js";
import { type DefinitionLimits, type ValidDefinition, validateDefinition } from "./validate-definition.js";

export type DefinitionSource = "builtin" | "file" | "api";

export interface RegisteredDefinition {
  definition: ValidDefinition;
  source: DefinitionSource;
}

export class DefinitionRegistry {
  readonly #byName = new Map<string, RegisteredDefinition>();
  /** Files that could not be loaded, with the reason. */
  readonly loadErrors: { file: string; message: string }[] = [];

  constructor(
    private readonly limits: DefinitionLimits,
    private readonly logger: Logger,
  ) {
    this.#byName.set(DEFAULT_WORKFLOW, {
      definition: validateDefinition(defaultWorkflow(limits.maxRounds ?? 3), limits, "built-in"),
      source: "builtin",
    });
  }

  /** Loads the directory's files, then the registered definitions from the store. */
  async load(dir: string, store: RunStore): Promise<void> {
    if (dir !== "") {
      let files: string[] = [];
      try {
        files = readdirSync(dir)
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .sort();
      } catch (err) {
        this.#warn(dir, `cannot read the directory: ${(err as Error).message}`);
      }
      for (const file of files) {
        try {
          this.#add(
            parseDefinitionText(readFileSync(join(dir, file), "utf8"), file, this.limits),
            "file",
            file,
          );
        } catch (err) {
          this.#warn(file, (err as Error).message);
        }
      }
    }
    for (const raw of await store.definitions()) {
      try {
        this.#add(validateDefinition(raw, this.limits, "registered"), "api", raw.name);
      } catch (err) {
        this.#warn(`registered ${raw.name}`, (err as Error).message);
      }
    }
  }

  /** Validates and registers a definition from the API (replacing an earlier registered one of that name). */
  register(raw: unknown): ValidDefinition {
    const definition = validateDefinition(raw, this.limits, "request");
    const existing = this.#byName.get(definition.name);
    if (existing !== undefined && existing.source !== "api") {
      throw new SynapseError(
        "ALREADY_EXISTS",
        `Workflow "${definition.name}" is ${existing.source === "builtin" ? "built in" : "defined by a file"} and cannot be replaced; choose another name.`,
      );
    }
    this.#byName.set(definition.name, { definition, source: "api" });
    return definition;
  }

  get(name: string): RegisteredDefinition {
    const found = this.#byName.get(name);
    if (found === undefined) {
      throw new SynapseError(
        "NOT_FOUND",
        `No workflow named "${name}"; known: ${[...this.#byName.keys()].join(", ")}. Register one with POST /api/v1/workflows.`,
      );
    }
    return found;
  }

  list(): RegisteredDefinition[] {
    return [...this.#byName.values()].sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  }

  #add(definition: ValidDefinition, source: DefinitionSource, origin: string): void {
    const existing = this.#byName.get(definition.name);
    if (existing !== undefined && existing.source !== source) {
      this.#warn(
        origin,
        `workflow "${definition.name}" is already defined (${existing.source}); this one is skipped`,
      );
      return;
    }
    this.#byName.set(definition.name, { definition, source });
  }

  #warn(file: string, message: string): void {
    this.loadErrors.push({ file, message });
    this.logger.warn({ file }, `workflow definition skipped: ${message}`);
  }
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseDefinitionText(text: string, origin: string, limits: DefinitionLimits): ValidDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `Invalid workflow definition (${origin}): not YAML or JSON: ${(err as Error).message}`,
    );
  }
  return validateDefinition(raw, limits, origin);
}
