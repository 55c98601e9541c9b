/**
 * The state of a run as LangGraph checkpoints it. Each step is two nodes: `<id>.start` starts the
 * agent's stream and records its streamId (checkpointed before any chunk is read, so after a
 * restart the step can pick its stream up again), and `<id>` reads the stream to its end and
 * records the output. Steps that need approval get a `<id>.gate` node first (LangGraph interrupt).
 */

import { Annotation } from "@langchain/langgraph";
import type { AgentResponse, Code } from "@synapse/core";

/** One execution of a step (a looped step has one per round). */
export interface StepRun {
  step: string;
  agent: string;
  action: string;
  /** 1 for the first execution of the step, 2 for the second… */
  round: number;
  streamId: string;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** Set when the step's stream was cut by a gateway restart and picked up again. */
  resumed?: { afterSeq: number; continued: boolean };
  output: AgentResponse;
}

/** A step whose stream has started but whose output is not recorded yet. */
export interface PendingStep {
  streamId: string;
  startedAt: number;
  round: number;
  /** The rendered input, kept so a restarted step asks the same question again. */
  input: Record<string, unknown>;
}

export interface RunFailure {
  code: Code;
  message: string;
}

const merge = <T>(a: Record<string, T>, b: Record<string, T>): Record<string, T> => ({ ...a, ...b });

export const WorkflowState = Annotation.Root({
  input: Annotation<Record<string, unknown>>(),
  /** Whether execute steps wait for approval in this run. */
  approval: Annotation<boolean>(),
  /** The latest output of each step. */
  outputs: Annotation<Record<string, StepRun>>({ reducer: merge, default: () => ({}) }),
  history: Annotation<StepRun[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  pending: Annotation<Record<string, PendingStep | null>>({ reducer: merge, default: () => ({}) }),
  /** Loop rounds taken, by the step whose condition loops back. */
  rounds: Annotation<Record<string, number>>({ reducer: merge, default: () => ({}) }),
  /** Where each step's condition sent the run last (a step id, or "end"). */
  route: Annotation<Record<string, string>>({ reducer: merge, default: () => ({}) }),
  approvals: Annotation<Record<string, "approved" | "rejected">>({ reducer: merge, default: () => ({}) }),
  stepCount: Annotation<number>({ reducer: (_, b) => b, default: () => 0 }),
  failure: Annotation<RunFailure | null>({ reducer: (_, b) => b, default: () => null }),
});

export type State = typeof WorkflowState.State;
export type StateUpdate = typeof WorkflowState.Update;
