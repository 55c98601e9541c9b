/**
 * Compiles a validated definition into a LangGraph StateGraph with the given checkpointer. Per
 * step: `<id>.gate` (only for steps that may need approval: execute steps and `approval: true`;
 * a LangGraph interrupt), `<id>.start` (starts the agent stream and checkpoints its id) and `<id>`
 * (reads it, records the output and decides the route). Conditional edges follow the route, so
 * the review loop is an edge back from `review` to `code`.
 */
import { type BaseCheckpointSaver, Command, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import { END_STEP } from "./definition-schema.js";
import { routeAfter } from "./routing.js";
import { finishStep, type StepDeps, startStep } from "./step-nodes.js";
import type { ValidDefinition, ValidStep } from "./validate-definition.js";
import { type State, type StateUpdate, WorkflowState } from "./workflow-state.js";

/** What a gate's interrupt is resumed with. */
export interface ApprovalDecision {
  approved: boolean;
}

/** The value a gate interrupts with (read back from the checkpoint while the run waits). */
export interface ApprovalRequest {
  step: string;
}

/** Whether a step may wait for approval: decided per run, so such steps always get a gate node. */
export function mayNeedApproval(step: ValidStep): boolean {
  return step.approval === true || step.action === "execute";
}

function needsApproval(step: ValidStep, state: State): boolean {
  return step.approval === true || (step.action === "execute" && state.approval);
}

export function compileWorkflow(definition: ValidDefinition, saver: BaseCheckpointSaver, deps: StepDeps) {
  const entry = (id: string): string => {
    const step = definition.byId.get(id);
    return step !== undefined && mayNeedApproval(step) ? `${id}.gate` : `${id}.start`;
  };
  // Node names are computed from the definition, so the builder is typed with plain strings.
  const graph = new StateGraph(WorkflowState) as unknown as StateGraph<
    typeof WorkflowState.spec,
    State,
    StateUpdate,
    string
  >;
  for (const step of definition.steps) {
    if (mayNeedApproval(step)) {
      graph.addNode(`${step.id}.gate`, (state: State): StateUpdate => {
        if (!needsApproval(step, state) || state.approvals[step.id] === "approved") return {};
        const decision = interrupt<ApprovalRequest, ApprovalDecision>({ step: step.id });
        return { approvals: { [step.id]: decision.approved ? "approved" : "rejected" } };
      });
      graph.addConditionalEdges(
        `${step.id}.gate`,
        (state: State) => (state.approvals[step.id] === "rejected" ? END : `${step.id}.start`),
        [END, `${step.id}.start`],
      );
    }
    graph.addNode(`${step.id}.start`, (state: State) => startStep(step, state, deps));
    graph.addNode(step.id, async (state: State): Promise<StateUpdate> => {
      const { run } = await finishStep(step, state, deps);
      const routing = routeAfter(step, { ...state, outputs: { ...state.outputs, [step.id]: run } });
      return {
        outputs: { [step.id]: run },
        history: [run],
        pending: { [step.id]: null },
        route: { [step.id]: routing.target },
        ...(routing.rounds === undefined ? {} : { rounds: routing.rounds }),
        ...(routing.failure === undefined ? {} : { failure: routing.failure }),
      };
    });
    graph.addEdge(`${step.id}.start`, step.id);
    const targets = step.plan.kind === "goto" ? [step.plan.target] : [step.plan.ifTrue, step.plan.ifFalse];
    graph.addConditionalEdges(
      step.id,
      (state: State) => {
        const target = state.route[step.id] ?? END_STEP;
        return target === END_STEP ? END : entry(target);
      },
      [END, ...targets.filter((t) => t !== END_STEP).map(entry)],
    );
  }
  const first = definition.steps[0] as ValidStep;
  graph.addEdge(START, entry(first.id));
  return graph.compile({ checkpointer: saver });
}

export type CompiledWorkflow = ReturnType<typeof compileWorkflow>;

/** What `invoke` is given to resume a run waiting at a gate with `decision`. */
export function resumeCommand(decision: ApprovalDecision): Command {
  return new Command({ resume: decision });
}
