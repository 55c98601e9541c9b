/** What the API shows of a run: its record (status, times, error) joined with its checkpointed steps. */
import type { AgentResponse, Code } from "@synapse/core";
import type { RunRecord, RunStatus } from "./run-store.js";
import type { State, StepRun } from "./workflow-state.js";

export interface StepView {
  step: string;
  agent: string;
  action: string;
  round: number;
  status: "succeeded" | "running";
  streamId: string;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt?: number;
  durationMs: number;
  resumed?: StepRun["resumed"];
  output?: AgentResponse;
}

export interface RunSummary {
  id: string;
  workflow: string;
  status: RunStatus;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** Until now while it runs. */
  durationMs: number;
  error?: { code: Code; message: string };
  awaiting?: string;
}

export interface RunView extends RunSummary {
  /** The gateway instance that drives (or last drove) the run. */
  owner?: string;
  input: Record<string, unknown>;
  approval: boolean;
  deadline: number;
  /** Loop rounds taken, by the step whose condition loops (the default workflow: `review`). */
  rounds: Record<string, number>;
  stepCount: number;
  steps: StepView[];
  /** Every step's latest output, once the run has succeeded. */
  result?: Record<string, AgentResponse>;
}

export function summarize(run: RunRecord, now: number): RunSummary {
  return {
    id: run.id,
    workflow: run.workflow,
    status: run.status,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
    durationMs: (run.finishedAt ?? now) - run.createdAt,
    ...(run.error === undefined ? {} : { error: run.error }),
    ...(run.awaiting === undefined ? {} : { awaiting: run.awaiting }),
  };
}

export function viewRun(run: RunRecord, state: Partial<State> | undefined, now: number): RunView {
  const done: StepView[] = (state?.history ?? []).map((h) => ({
    step: h.step,
    agent: h.agent,
    action: h.action,
    round: h.round,
    status: "succeeded",
    streamId: h.streamId,
    startedAt: h.startedAt,
    finishedAt: h.finishedAt,
    durationMs: h.durationMs,
    ...(h.resumed === undefined ? {} : { resumed: h.resumed }),
    output: h.output,
  }));
  const defs = new Map(run.definition.steps.map((s) => [s.id, s]));
  const running: StepView[] = Object.entries(state?.pending ?? {}).flatMap(([id, p]) =>
    p === null || p === undefined
      ? []
      : [
          {
            step: id,
            agent: defs.get(id)?.agent ?? "",
            action: defs.get(id)?.action ?? "",
            round: p.round,
            status: "running" as const,
            streamId: p.streamId,
            startedAt: p.startedAt,
            durationMs: now - p.startedAt,
          },
        ],
  );
  const result =
    run.status === "succeeded"
      ? Object.fromEntries(Object.entries(state?.outputs ?? {}).map(([id, r]) => [id, r.output]))
      : undefined;
  return {
    ...summarize(run, now),
    ...(run.owner === undefined ? {} : { owner: run.owner }),
    input: run.input,
    approval: run.approval,
    deadline: run.deadline,
    rounds: state?.rounds ?? {},
    stepCount: state?.stepCount ?? 0,
    steps: [...done, ...running],
    ...(result === undefined ? {} : { result }),
  };
}
