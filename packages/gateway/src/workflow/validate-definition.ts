/**
 * Turns a workflow definition (parsed YAML or JSON) into a checked, ready-to-compile form, or
 * rejects it with INVALID_ARGUMENT naming every problem: the shape (zod), unknown agents and
 * actions, references to unknown steps, bad templates and conditions, steps never reached, and
 * loops without a bound (every cycle must pass through a condition with maxRounds).
 */
import {
  ACTIONS_BY_AGENT,
  type ActionName,
  AGENTS,
  type AgentName,
  describeIssues,
  isAgent,
  SynapseError,
} from "@synapse/core";
import { type Condition, checkCondition, parseCondition } from "./condition.js";
import {
  END_STEP,
  type StepDefinition,
  type WorkflowDefinition,
  WorkflowDefinitionSchema,
} from "./definition-schema.js";
import { checkTemplates, type TemplateScope } from "./template.js";

export type NextPlan =
  | { kind: "goto"; target: string }
  | {
      kind: "branch";
      condition: Condition;
      /** The `then` branch (named so the plan is never mistaken for a thenable). */
      ifTrue: string;
      /** The `else` branch. */
      ifFalse: string;
      /** Undefined when neither branch loops. */
      maxRounds: number | undefined;
      onMaxRounds: "fail" | "continue";
      /** Which branches lead back to this step (a loop round). */
      loops: { ifTrue: boolean; ifFalse: boolean };
    };

export interface ValidStep extends StepDefinition {
  agent: AgentName;
  action: ActionName;
  plan: NextPlan;
}

export interface ValidDefinition {
  /** The definition as given (stored with each run, so a run keeps the definition it started with). */
  source: WorkflowDefinition;
  name: string;
  steps: ValidStep[];
  byId: ReadonlyMap<string, ValidStep>;
}

export interface DefinitionLimits {
  /** The largest maxRounds allowed (workflow.maxReviewRounds). Unlimited by default. */
  maxRounds?: number;
}

/** Validates `raw`; throws INVALID_ARGUMENT listing every problem, prefixed by `origin`. */
export function validateDefinition(
  raw: unknown,
  limits: DefinitionLimits = {},
  origin = "workflow",
): ValidDefinition {
  const parsed = WorkflowDefinitionSchema.safeParse(raw);
  if (!parsed.success) throw invalid(origin, [describeIssues(parsed.error, "definition")]);
  const definition = parsed.data;
  const problems: string[] = [];
  const ids = definition.steps.map((s) => s.id);
  for (const [i, id] of ids.entries()) {
    if (ids.indexOf(id) !== i) problems.push(`step "${id}" is defined twice`);
  }
  const scope: TemplateScope = {
    steps: new Map(definition.steps.map((s) => [s.id, actionOf(s)])),
    ...(definition.inputs === undefined ? {} : { inputs: definition.inputs }),
  };
  const known = (target: string) => target === END_STEP || scope.steps.has(target);
  const successors = new Map<string, string[]>();
  const conditions = new Map<string, Condition>();
  for (const [i, step] of definition.steps.entries()) {
    const where = `step "${step.id}"`;
    if (!isAgent(step.agent))
      problems.push(`${where}: unknown agent "${step.agent}" (agents: ${AGENTS.join(", ")})`);
    else if (!(ACTIONS_BY_AGENT[step.agent] as readonly string[]).includes(step.action))
      problems.push(
        `${where}: agent "${step.agent}" has no action "${step.action}" (its actions: ${ACTIONS_BY_AGENT[step.agent].join(", ")})`,
      );
    problems.push(...checkTemplates(step.input, scope, `${where} input`));
    const next = step.next ?? definition.steps[i + 1]?.id ?? END_STEP;
    const targets = typeof next === "string" ? [next] : [next.then, next.else];
    for (const t of targets) if (!known(t)) problems.push(`${where}: next refers to an unknown step "${t}"`);
    successors.set(
      step.id,
      targets.filter((t) => t !== END_STEP),
    );
    if (typeof next !== "string") {
      try {
        const condition = parseCondition(next.if);
        problems.push(...checkCondition(condition, scope).map((p) => `${where} condition: ${p}`));
        conditions.set(step.id, condition);
      } catch (err) {
        problems.push(`${where}: bad condition "${next.if}": ${(err as Error).message}`);
      }
      if (next.maxRounds !== undefined && limits.maxRounds !== undefined && next.maxRounds > limits.maxRounds)
        problems.push(
          `${where}: maxRounds ${next.maxRounds} is over the limit workflow.maxReviewRounds = ${limits.maxRounds}`,
        );
    }
  }
  if (problems.length > 0) throw invalid(origin, problems);

  const reach = reachability(ids, successors);
  const steps: ValidStep[] = definition.steps.map((step, i) => {
    const next = step.next ?? definition.steps[i + 1]?.id ?? END_STEP;
    const loops = (t: string) => t !== END_STEP && (reach.get(t)?.has(step.id) ?? false);
    const plan: NextPlan =
      typeof next === "string"
        ? { kind: "goto", target: next }
        : {
            kind: "branch",
            condition: conditions.get(step.id) as Condition,
            ifTrue: next.then,
            ifFalse: next.else,
            maxRounds: next.maxRounds,
            onMaxRounds: next.onMaxRounds ?? "fail",
            loops: { ifTrue: loops(next.then), ifFalse: loops(next.else) },
          };
    return { ...step, agent: step.agent as AgentName, action: step.action as ActionName, plan };
  });
  problems.push(...unboundedLoops(steps));
  const first = ids[0] as string;
  for (const id of ids) {
    if (id !== first && !(reach.get(first)?.has(id) ?? false))
      problems.push(`step "${id}" is never reached from "${first}"`);
  }
  if (problems.length > 0) throw invalid(origin, problems);
  return { source: definition, name: definition.name, steps, byId: new Map(steps.map((s) => [s.id, s])) };
}

function actionOf(step: StepDefinition): ActionName | undefined {
  if (!isAgent(step.agent)) return undefined;
  const actions: readonly string[] = ACTIONS_BY_AGENT[step.agent];
  return actions.includes(step.action) ? (step.action as ActionName) : undefined;
}

/** For each step, the steps reachable from it in one or more moves. */
function reachability(ids: string[], successors: Map<string, string[]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const id of ids) {
    const seen = new Set<string>();
    const todo = [...(successors.get(id) ?? [])];
    for (let t = todo.pop(); t !== undefined; t = todo.pop()) {
      if (seen.has(t)) continue;
      seen.add(t);
      todo.push(...(successors.get(t) ?? []));
    }
    out.set(id, seen);
  }
  return out;
}

/** Cycles left once the bounded loop branches are cut: each is a loop that could run forever. */
function unboundedLoops(steps: ValidStep[]): string[] {
  const problems: string[] = [];
  for (const step of steps) {
    const p = step.plan;
    if (p.kind === "branch" && (p.loops.ifTrue || p.loops.ifFalse) && p.maxRounds === undefined)
      problems.push(
        `step "${step.id}": its condition loops back, so it needs maxRounds (a cycle without a bound)`,
      );
  }
  const cut = new Map<string, string[]>();
  for (const step of steps) {
    const p = step.plan;
    const targets =
      p.kind === "goto"
        ? [p.target]
        : [
            ...(p.loops.ifTrue && p.maxRounds !== undefined ? [] : [p.ifTrue]),
            ...(p.loops.ifFalse && p.maxRounds !== undefined ? [] : [p.ifFalse]),
          ];
    cut.set(
      step.id,
      targets.filter((t) => t !== END_STEP),
    );
  }
  const after = reachability(
    steps.map((s) => s.id),
    cut,
  );
  const reported = new Set<string>();
  for (const step of steps) {
    if (!(after.get(step.id)?.has(step.id) ?? false) || reported.has(step.id)) continue;
    const cycle = steps
      .filter((s) => after.get(s.id)?.has(step.id) && after.get(step.id)?.has(s.id))
      .map((s) => s.id);
    for (const id of cycle) reported.add(id);
    if (!problems.some((p) => cycle.some((id) => p.startsWith(`step "${id}"`))))
      problems.push(
        `steps ${cycle.join(" → ")} → ${cycle[0]} form a cycle without a bound; give one of them next: {if, then, else, maxRounds}`,
      );
  }
  return problems;
}

function invalid(origin: string, problems: string[]): SynapseError {
  return new SynapseError(
    "INVALID_ARGUMENT",
    `Invalid workflow definition (${origin}): ${problems.join("; ")}.`,
    {
      details: { problems },
    },
  );
}
