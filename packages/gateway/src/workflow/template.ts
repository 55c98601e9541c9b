/**
 * Templates in step inputs: `{{input.task}}`, `{{steps.plan.result.steps}}`. A string that is
 * exactly one placeholder takes the value itself (an array stays an array) and is left out when
 * absent (a loop's first round has no review comments yet); placeholders inside longer text are
 * interpolated (absent: empty). Written by hand rather than with a template engine because paths
 * must be checked against the definition before any run (unknown step, unknown result field) and
 * whole values must pass through unrendered, which string template engines do not do.
 */
import { type ActionName, RESULT_SCHEMAS } from "@synapse/core";

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_-]*|\d+)$/;
/** What a step's output holds besides its result: the agent response's fields, plus the round. */
const STEP_FIELDS = new Set([
  "result",
  "text",
  "provider",
  "model",
  "usage",
  "latencyMs",
  "fallback",
  "round",
  "durationMs",
]);

export type Path = readonly string[];

/** What templates and conditions may refer to. */
export interface TemplateScope {
  /** Step ids and their actions. */
  steps: ReadonlyMap<string, ActionName | undefined>;
  /** Declared inputs; any input name is accepted when undefined. */
  inputs?: readonly string[];
}

/** Parses `a.b.0.c` into segments; throws an Error naming the problem. */
export function parsePath(text: string): Path {
  const trimmed = text.trim();
  if (trimmed === "") throw new Error("an empty placeholder");
  const segments = trimmed.split(".");
  for (const s of segments) {
    if (!SEGMENT.test(s))
      throw new Error(`"${trimmed}" is not a path like input.task or steps.plan.result.steps`);
  }
  return segments;
}

/** Checks a path against the scope; returns a problem or undefined. */
export function checkPath(path: Path, scope: TemplateScope): string | undefined {
  const [root, id, field, key] = path;
  const shown = path.join(".");
  if (root === "input") {
    if (id === undefined) return `"${shown}" needs a field, e.g. input.task`;
    if (scope.inputs !== undefined && !scope.inputs.includes(id))
      return `"${shown}" refers to input "${id}", which is not among the declared inputs (${scope.inputs.join(", ") || "none"})`;
    return undefined;
  }
  if (root !== "steps") return `"${shown}" must start with input. or steps.`;
  if (id === undefined) return `"${shown}" needs a step id, e.g. steps.plan.result`;
  if (!scope.steps.has(id)) return `"${shown}" refers to an unknown step "${id}"`;
  if (field === undefined) return undefined;
  if (!STEP_FIELDS.has(field))
    return `"${shown}": a step's output has ${[...STEP_FIELDS].join(", ")}, not "${field}"`;
  const action = scope.steps.get(id);
  if (field === "result" && key !== undefined && action !== undefined) {
    const keys = Object.keys(RESULT_SCHEMAS[action].shape);
    if (!keys.includes(key))
      return `"${shown}": the result of ${action} has ${keys.join(", ")}, not "${key}"`;
  }
  return undefined;
}

/** Every problem with the templates in a value (strings, arrays and objects, recursively). */
export function checkTemplates(value: unknown, scope: TemplateScope, where: string): string[] {
  if (typeof value === "string") {
    const problems: string[] = [];
    const opens = value.split("{{").length - 1;
    const closes = value.split("}}").length - 1;
    const found = [...value.matchAll(PLACEHOLDER)];
    if (opens !== found.length || closes !== found.length)
      problems.push(`${where}: unbalanced "{{" or "}}" in "${value}"`);
    for (const m of found) {
      try {
        const problem = checkPath(parsePath(m[1] ?? ""), scope);
        if (problem !== undefined) problems.push(`${where}: ${problem}`);
      } catch (err) {
        problems.push(`${where}: ${(err as Error).message}`);
      }
    }
    return problems;
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => checkTemplates(v, scope, `${where}[${i}]`));
  if (isRecord(value))
    return Object.entries(value).flatMap(([k, v]) => checkTemplates(v, scope, `${where}.${k}`));
  return [];
}

/** Reads a path from the template context (`{input, steps}`); undefined when any part is absent. */
export function resolvePath(path: Path, context: Record<string, unknown>): unknown {
  let node: unknown = context;
  for (const segment of path) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) node = node[Number(segment)];
    else if (isRecord(node)) node = node[segment];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Renders a templated value against the context; absent whole-value placeholders are left out. */
export function render(value: unknown, context: Record<string, unknown>): unknown {
  if (typeof value === "string") {
    const whole = /^\{\{([^{}]*)\}\}$/.exec(value.trim());
    if (whole) return resolvePath(parsePath(whole[1] ?? ""), context);
    return value.replace(PLACEHOLDER, (_, expr: string) => stringify(resolvePath(parsePath(expr), context)));
  }
  if (Array.isArray(value)) return value.map((v) => render(v, context)).filter((v) => v !== undefined);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const rendered = render(v, context);
      if (rendered !== undefined) out[k] = rendered;
    }
    return out;
  }
  return value;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string"
    ? value
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
