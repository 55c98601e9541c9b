/**
 * What the graph's nodes do for one step. `startStep` renders the step's input from the run so far
 * and starts the agent's stream through the gateway's resilient upstream (balancer, breaker,
 * retry, fallback, stream checkpoints); its streamId is checkpointed before `finishStep` reads
 * the stream. When `finishStep` finds a stream this process did not start (the gateway was
 * restarted mid-step), it takes what the stream checkpoint holds: the whole answer when the
 * stream had ended, else the stored chunks, then asks again and delivers only what comes after them.
 */
import { type AgentRequest, type AgentResponse, type Clock, SynapseError } from "@synapse/core";
import type { CheckpointStore, StreamSnapshot } from "@synapse/resilience";
import type { Upstream } from "../upstream.js";
import type { WorkflowEvent } from "./run-events.js";
import { render } from "./template.js";
import type { ValidStep } from "./validate-definition.js";
import type { PendingStep, State, StateUpdate, StepRun } from "./workflow-state.js";

export interface StepDeps {
  runId: string;
  upstream: Upstream;
  /** The gateway's stream checkpoint store, read directly for streams cut by a restart. */
  streams: CheckpointStore;
  /** Stream ids started by this process (others were cut by a restart). */
  live: Set<string>;
  /** Aborted when the run is cancelled, passes its deadline, or the gateway stops. */
  signal: AbortSignal;
  /** The run's overall deadline, epoch milliseconds. */
  deadline: number;
  maxSteps: number;
  /** Default step timeout in milliseconds. */
  stepTimeoutMs: number;
  clock: Clock;
  emit(event: WorkflowEvent): void;
  onStepFinished(step: string, durationMs: number): void;
}

/** What templates see: the run's input and each step's latest output (with its round and duration). */
export function templateContext(state: State): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const [id, run] of Object.entries(state.outputs)) {
    steps[id] = { ...run.output, round: run.round, durationMs: run.durationMs };
  }
  return { input: state.input, steps };
}

export async function startStep(step: ValidStep, state: State, deps: StepDeps): Promise<StateUpdate> {
  if (state.stepCount >= deps.maxSteps) {
    throw new SynapseError(
      "RESOURCE_EXHAUSTED",
      `The run reached its limit of ${deps.maxSteps} step executions (workflow.maxSteps) before step "${step.id}"; ` +
        "bound its loops or raise SYNAPSE_WORKFLOW_MAX_STEPS.",
    );
  }
  const input = render(step.input, templateContext(state)) as Record<string, unknown>;
  const round = state.history.filter((h) => h.step === step.id).length + 1;
  const startedAt = deps.clock.now();
  const streamId = await openStream(step, input, deps);
  deps.emit({
    type: "step_started",
    runId: deps.runId,
    step: step.id,
    agent: step.agent,
    action: step.action,
    round,
    streamId,
  });
  const pending: PendingStep = { streamId, startedAt, round, input };
  return { pending: { [step.id]: pending }, stepCount: state.stepCount + 1 };
}

export async function finishStep(step: ValidStep, state: State, deps: StepDeps): Promise<{ run: StepRun }> {
  const pending = state.pending[step.id];
  if (pending === undefined || pending === null) {
    throw new SynapseError("INTERNAL", `step "${step.id}" has no stream to read.`);
  }
  const { response, resumed } = deps.live.has(pending.streamId)
    ? { response: await readStream(step, pending.streamId, 0, deps), resumed: undefined }
    : await pickUp(step, pending, deps);
  const finishedAt = deps.clock.now();
  const durationMs = finishedAt - pending.startedAt;
  const run: StepRun = {
    step: step.id,
    agent: step.agent,
    action: step.action,
    round: pending.round,
    streamId: pending.streamId,
    startedAt: pending.startedAt,
    finishedAt,
    durationMs,
    ...(resumed === undefined ? {} : { resumed }),
    output: response,
  };
  deps.onStepFinished(step.id, durationMs);
  deps.emit({
    type: "step_finished",
    runId: deps.runId,
    step: step.id,
    agent: step.agent,
    action: step.action,
    round: run.round,
    durationMs,
    output: response,
  });
  return { run };
}

async function openStream(step: ValidStep, input: Record<string, unknown>, deps: StepDeps): Promise<string> {
  const now = deps.clock.now();
  const deadline = Math.min(now + (step.timeoutMs ?? deps.stepTimeoutMs), deps.deadline);
  const request: AgentRequest = { agent: step.agent, action: step.action, input, requestId: deps.runId };
  if (deps.signal.aborted) throw SynapseError.from(deps.signal.reason, "CANCELLED");
  const streamId = await deps.upstream.startStream(request, {
    deadline,
    requestId: deps.runId,
    signal: deps.signal,
  });
  deps.live.add(streamId);
  return streamId;
}

/** Reads a live stream to its final event, passing chunks after `skipText` characters on as events. */
async function readStream(
  step: ValidStep,
  streamId: string,
  seqOffset: number,
  deps: StepDeps,
  skip?: { text: string; onDiverge(): void },
): Promise<AgentResponse> {
  let seen = "";
  let seq = seqOffset;
  let diverged = false;
  try {
    for await (const event of deps.upstream.readStream(streamId, 0, deps.signal)) {
      if (event.type === "final") return event.response;
      let text = event.text;
      if (skip !== undefined && !diverged) {
        const before = seen.length;
        seen += text;
        const overlap = Math.min(seen.length, skip.text.length);
        if (seen.slice(0, overlap) !== skip.text.slice(0, overlap)) {
          // The new answer differs from the stored part (a non-deterministic model): say so, send all of it.
          diverged = true;
          skip.onDiverge();
          text = seen;
        } else {
          text = seen.slice(Math.max(before, skip.text.length));
        }
        if (text === "") continue;
      }
      deps.emit({ type: "chunk", runId: deps.runId, step: step.id, seq: ++seq, text });
    }
  } finally {
    deps.live.delete(streamId);
  }
  throw new SynapseError("UNAVAILABLE", `The stream of step "${step.id}" ended before its final event.`);
}

/** A step whose stream was cut by a restart: its checkpointed answer, or the stored chunks and the rest asked again. */
async function pickUp(
  step: ValidStep,
  pending: PendingStep,
  deps: StepDeps,
): Promise<{ response: AgentResponse; resumed: StepRun["resumed"] }> {
  let snapshot: StreamSnapshot | undefined;
  try {
    snapshot = await deps.streams.read(pending.streamId, 0);
  } catch {
    snapshot = undefined; // expired or never written: ask again from the start
  }
  const afterSeq = snapshot?.lastSeq ?? 0;
  if (snapshot?.final !== undefined) {
    for (const chunk of snapshot.chunks) {
      deps.emit({ type: "chunk", runId: deps.runId, step: step.id, seq: chunk.seq, text: chunk.text });
    }
    return { response: snapshot.final.response, resumed: { afterSeq, continued: true } };
  }
  const stored = snapshot?.chunks.map((c) => c.text).join("") ?? "";
  const streamId = await openStream(step, pending.input, deps);
  deps.emit({
    type: "step_started",
    runId: deps.runId,
    step: step.id,
    agent: step.agent,
    action: step.action,
    round: pending.round,
    streamId,
    resumedAfterSeq: afterSeq,
  });
  let continued = true;
  const response = await readStream(step, streamId, afterSeq, deps, {
    text: stored,
    onDiverge: () => {
      continued = false;
    },
  });
  return { response, resumed: { afterSeq, continued } };
}
