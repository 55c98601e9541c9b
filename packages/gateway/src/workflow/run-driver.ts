/**
 * Drives runs through their LangGraph graph: compiles the run's definition with its step nodes,
 * invokes it (from the first input, from the last checkpoint, or with an approval decision) with
 * a checkpoint written after every node, and records the outcome — awaiting approval, succeeded,
 * failed (with the reason), rejected or cancelled — in the run store, the metrics and the events.
 * It also holds each run's overall deadline. Every record it writes is guarded by ownership: a
 * gateway that has lost a run to another one changes nothing of it.
 *
 * LangGraph (compile-graph.ts and what it imports, ~35 MiB resident) is imported at the first run
 * driven or read, so a gateway that serves no workflow never loads it.
 */
import { type Clock, importFeature, SynapseError } from "@synapse/core";
import type { ApprovalDecision, ApprovalRequest, CompiledWorkflow } from "./compile-graph.js";
import type { RunEvents } from "./run-events.js";
import type { RunRecord, RunStatus } from "./run-store.js";
import type { StepDeps } from "./step-nodes.js";
import { type ValidDefinition, validateDefinition } from "./validate-definition.js";
import type { WorkflowEngineOptions } from "./workflow-engine.js";
import type { State } from "./workflow-state.js";

/** A run being driven in this process. */
export interface Active {
  controller: AbortController;
  /** Why the run was stopped, when it was ("lost": another gateway drives it now). */
  stop?: "cancel" | "deadline" | "shutdown" | "lost";
  done: Promise<void>;
}

/** Where a run continues from: its first input, its last checkpoint (null), or an approval decision. */
export type DriveFrom =
  | { input: Record<string, unknown>; approval: boolean }
  | null
  | { resume: ApprovalDecision };

const loadGraphs = () =>
  importFeature("workflows", "@langchain/langgraph", () => import("./compile-graph.js"));

/** What the driver tells the engine. */
export interface DriverHooks {
  /** The run stopped being driven here; `waiting` when it now awaits approval (and stays held). */
  release(runId: string, waiting: boolean): void;
  /** This gateway recorded the run's end. */
  finished(runId: string): void;
}

export class RunDriver {
  readonly #o: WorkflowEngineOptions;
  readonly #clock: Clock;
  readonly #owner: string;
  readonly #events: RunEvents;
  readonly #active: ReadonlyMap<string, Active>;
  readonly #hooks: DriverHooks;
  readonly #deadlines = new Map<string, () => void>();
  /** Stream ids started by this process (a step finding another was cut by a restart). */
  readonly #live = new Set<string>();

  constructor(
    options: WorkflowEngineOptions & { clock: Clock; owner: string },
    events: RunEvents,
    active: ReadonlyMap<string, Active>,
    hooks: DriverHooks,
  ) {
    this.#o = options;
    this.#clock = options.clock;
    this.#owner = options.owner;
    this.#events = events;
    this.#active = active;
    this.#hooks = hooks;
  }

  /** Loads LangGraph and the checkpointer (once); FAILED_PRECONDITION, naming the package, if it cannot. */
  async ready(): Promise<void> {
    await Promise.all([loadGraphs(), this.#o.persistence.saver()]);
  }

  /** Runs the graph from `command` (first input, null to resume, or an approval) until it ends or waits. */
  drive(run: RunRecord, active: Active, from: DriveFrom): void {
    this.watchDeadline(run);
    let holds = false;
    active.done = (async () => {
      const config = { configurable: { thread_id: run.id } };
      try {
        const graph = await this.#graph(run, active.controller.signal);
        let command: unknown = from;
        if (from !== null && "resume" in from) command = (await loadGraphs()).resumeCommand(from.resume);
        if (from === null && (await graph.getState(config)).values.input === undefined) {
          command = { input: run.input, approval: run.approval }; // killed before its first checkpoint
        }
        await graph.invoke(command as never, {
          ...config,
          signal: active.controller.signal,
          durability: "sync",
          recursionLimit: this.#o.config.workflow.maxSteps * 3 + 10,
        });
        const snapshot = await graph.getState(config);
        const waiting = snapshot.tasks.flatMap((t) => t.interrupts)[0];
        const state = snapshot.values as State;
        if (waiting !== undefined) {
          const step = (waiting.value as ApprovalRequest).step;
          const recorded = await this.#o.persistence.runs.update(
            run.id,
            { status: "awaiting_approval", awaiting: step, updatedAt: this.#clock.now() },
            { owner: this.#owner },
          );
          if (recorded !== undefined) {
            holds = true;
            this.#events.emit({ type: "awaiting_approval", runId: run.id, step });
          }
        } else if (state.failure) await this.finish(run, "failed", state.failure, state);
        else if (Object.values(state.approvals ?? {}).includes("rejected"))
          await this.finish(
            run,
            "rejected",
            { code: "ABORTED", message: `Run ${run.id} was rejected before ${rejectedStep(state)}.` },
            state,
          );
        else await this.finish(run, "succeeded", undefined, state);
      } catch (err) {
        await this.#failed(run, active, err);
      } finally {
        this.#hooks.release(run.id, holds);
      }
    })();
  }

  async #failed(run: RunRecord, active: Active, err: unknown): Promise<void> {
    // Left running: resumed at the next start, or driven by the gateway that took it over.
    if (active.stop === "shutdown" || active.stop === "lost") return;
    const state = await this.state(run).catch(() => undefined);
    if (active.stop === "cancel") {
      await this.finish(
        run,
        "cancelled",
        { code: "CANCELLED", message: `Run ${run.id} was cancelled.` },
        state,
      );
    } else if (active.stop === "deadline") {
      await this.finish(run, "failed", deadlineError(this.#o.config.workflow.deadlineMs), state);
    } else {
      const error = SynapseError.from(err);
      if (error.code === "INTERNAL") this.#o.logger.error({ err, runId: run.id }, "workflow run failed");
      await this.finish(run, "failed", { code: error.code, message: error.message }, state);
    }
  }

  /** Records the run's end, unless another gateway owns it now; returns whether it did. */
  async finish(
    run: RunRecord,
    status: RunStatus,
    error: RunRecord["error"],
    state?: State,
  ): Promise<boolean> {
    this.unwatchDeadline(run.id);
    const now = this.#clock.now();
    const recorded = await this.#o.persistence.runs.update(
      run.id,
      { status, error, finishedAt: now, updatedAt: now, awaiting: undefined },
      { owner: this.#owner },
    );
    if (recorded === undefined) {
      this.#o.logger.info(
        { runId: run.id, status },
        "workflow run is driven by another gateway now; not recording its end here",
      );
      return false;
    }
    this.#hooks.finished(run.id);
    this.#o.metrics.workflowRuns.inc({ workflow: run.workflow, status });
    const rounds = Object.values(state?.rounds ?? {}).reduce((a, b) => a + b, 0);
    if (state !== undefined) this.#o.metrics.workflowReviewRounds.observe(rounds);
    this.#events.emit({
      type: "run_finished",
      runId: run.id,
      status,
      ...(error === undefined ? {} : { error }),
    });
    return true;
  }

  /** Fails the run at its overall deadline: stops it when running, ends it when waiting. */
  watchDeadline(run: RunRecord): void {
    if (this.#deadlines.has(run.id)) return;
    const cancel = this.#clock.setTimeout(
      () => {
        this.#deadlines.delete(run.id);
        const active = this.#active.get(run.id);
        if (active !== undefined) {
          active.stop ??= "deadline";
          active.controller.abort(
            new SynapseError("DEADLINE_EXCEEDED", deadlineError(this.#o.config.workflow.deadlineMs).message),
          );
        } else {
          void this.finish(run, "failed", deadlineError(this.#o.config.workflow.deadlineMs)).catch(
            (err: unknown) =>
              this.#o.logger.error({ err, runId: run.id }, "cannot record a workflow deadline"),
          );
        }
      },
      Math.max(0, run.deadline - this.#clock.now()),
    );
    this.#deadlines.set(run.id, cancel);
  }

  async #graph(run: RunRecord, signal: AbortSignal): Promise<CompiledWorkflow> {
    const definition: ValidDefinition = validateDefinition(run.definition, {}, `run ${run.id}`);
    const deps: StepDeps = {
      runId: run.id,
      upstream: this.#o.upstream,
      streams: this.#o.streams,
      live: this.#live,
      signal,
      deadline: run.deadline,
      maxSteps: this.#o.config.workflow.maxSteps,
      stepTimeoutMs: this.#o.config.workflow.stepTimeoutMs,
      clock: this.#clock,
      emit: (event) => this.#events.emit(event),
      onStepFinished: (step, ms) =>
        this.#o.metrics.workflowStepDuration.observe({ workflow: run.workflow, step }, ms / 1000),
    };
    const [{ compileWorkflow }, saver] = await Promise.all([loadGraphs(), this.#o.persistence.saver()]);
    return compileWorkflow(definition, saver, deps);
  }

  async state(run: RunRecord): Promise<State | undefined> {
    const graph = await this.#graph(run, new AbortController().signal);
    const snapshot = await graph.getState({
      configurable: { thread_id: run.id },
    });
    return snapshot.values as State;
  }

  /** Stops watching run `id`'s deadline (it ended, or another gateway watches it now). */
  unwatchDeadline(id: string): void {
    this.#deadlines.get(id)?.();
    this.#deadlines.delete(id);
  }

  /** Stops watching every deadline (the gateway is stopping). */
  clearDeadlines(): void {
    for (const cancel of this.#deadlines.values()) cancel();
    this.#deadlines.clear();
  }
}

function rejectedStep(state: State): string {
  const step = Object.entries(state.approvals).find(([, v]) => v === "rejected")?.[0];
  return step === undefined ? "a step" : `step "${step}"`;
}

export function deadlineError(ms: number): { code: "DEADLINE_EXCEEDED"; message: string } {
  return {
    code: "DEADLINE_EXCEEDED",
    message: `The run passed its overall deadline of ${ms} ms (workflow.deadlineMs); raise SYNAPSE_WORKFLOW_DEADLINE_MS for longer runs.`,
  };
}
