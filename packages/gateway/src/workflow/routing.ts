/**
 * Where a step sends the run once its output is in: the next step, or a condition's branch. A
 * branch that leads back (a loop) counts a round; past maxRounds the run fails with a clear
 * reason, or takes the other branch when the definition says `onMaxRounds: continue`.
 */
import { evaluate } from "./condition.js";
import { END_STEP } from "./definition-schema.js";
import { templateContext } from "./step-nodes.js";
import type { ValidStep } from "./validate-definition.js";
import type { RunFailure, State } from "./workflow-state.js";

export interface Routing {
  /** A step id or "end". */
  target: string;
  rounds?: Record<string, number>;
  failure?: RunFailure;
}

/** Routes after `step`, given the state with its latest output already in `outputs`. */
export function routeAfter(step: ValidStep, state: State): Routing {
  const plan = step.plan;
  if (plan.kind === "goto") return { target: plan.target };
  const yes = evaluate(plan.condition, templateContext(state));
  const target = yes ? plan.ifTrue : plan.ifFalse;
  const loops = yes ? plan.loops.ifTrue : plan.loops.ifFalse;
  if (!loops) return { target };
  const taken = state.rounds[step.id] ?? 0;
  const max = plan.maxRounds ?? 0;
  if (taken < max) return { target, rounds: { [step.id]: taken + 1 } };
  const other = yes ? plan.ifFalse : plan.ifTrue;
  const otherLoops = yes ? plan.loops.ifFalse : plan.loops.ifTrue;
  if (plan.onMaxRounds === "continue" && !otherLoops) return { target: other };
  return {
    target: END_STEP,
    failure: {
      code: "RESOURCE_EXHAUSTED",
      message:
        `Step "${step.id}" still sends the run back to "${target}" after ${max} round(s) (maxRounds); ` +
        `the run stops here. Read the step's output, then run again with a clearer task or a higher bound ` +
        "(SYNAPSE_WORKFLOW_MAX_REVIEW_ROUNDS for the default workflow).",
    },
  };
}
