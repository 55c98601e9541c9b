/**
 * The workflow engine: starts runs, drives them through their LangGraph graph (checkpointed after
 * every node, so a killed gateway picks each run up at its last completed step), and answers
 * approve, reject and cancel. Limits: concurrent runs (RESOURCE_EXHAUSTED), steps and loop rounds
 * (the run fails with the reason), the overall deadline (DEADLINE_EXCEEDED, also while waiting
 * for approval). On start-up it resumes the runs a previous process left unfinished.
 */
import { Command } from "@langchain/langgraph";
import { type Clock, type Config, type Logger, newRequestId, SynapseError, systemClock } from "@synapse/core";
import type { CheckpointStore } from "@synapse/resilience";
import type { GatewayMetrics } from "../metrics.js";
import type { Upstream } from "../upstream.js";
import {
  type ApprovalDecision,
  type ApprovalRequest,
  type CompiledWorkflow,
  compileWorkflow,
} from "./compile-graph.js";
import { DEFAULT_WORKFLOW } from "./default-workflow.js";
import { DefinitionRegistry } from "./definition-registry.js";
import type { WorkflowPersistence } from "./persistence.js";
import { RunEvents, type WorkflowListener } from "./run-events.js";
import { FINISHED, type ListQuery, type RunRecord, type RunStatus } from "./run-store.js";
import { type RunSummary, type RunView, summarize, viewRun } from "./run-view.js";
import type { StepDeps } from "./step-nodes.js";
import { type ValidDefinition, validateDefinition } from "./validate-definition.js";
import type { State } from "./workflow-state.js";

export interface WorkflowEngineOptions {
  config: Config;
  upstream: Upstream;
  /** The gateway's stream checkpoint store (streams cut by a restart are read from it). */
  streams: CheckpointStore;
  persistence: WorkflowPersistence;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Defaults to the system clock. */
  clock?: Clock;
}

export interface StartRunRequest {
  /** Defaults to "default". */
  workflow?: string;
  input: Record<string, unknown>;
  /** Wait for approval before execute steps; defaults to workflow.requireApproval. */
  approval?: boolean;
}

interface Active {
  controller: AbortController;
  /** Why the run was stopped, when it was. */
  stop?: "cancel" | "deadline" | "shutdown";
  done: Promise<void>;
}

export class WorkflowEngine {
  readonly events = new RunEvents();
  readonly definitions: DefinitionRegistry;
  readonly #o: WorkflowEngineOptions;
  readonly #clock: Clock;
  readonly #active = new Map<string, Active>();
  readonly #deadlines = new Map<string, () => void>();
  readonly #live = new Set<string>();
  /** Recovered runs waiting for a free slot. */
  readonly #queue: RunRecord[] = [];
  #closing = false;

  constructor(options: WorkflowEngineOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.definitions = new DefinitionRegistry(
      { maxRounds: options.config.workflow.maxReviewRounds },
      options.logger,
    );
  }

  /** Loads definitions and resumes the runs a previous process left unfinished. */
  async start(): Promise<void> {
    await this.definitions.load(this.#o.config.workflow.definitionsDir, this.#o.persistence.runs);
    for (const run of await this.#o.persistence.runs.unfinished()) {
      if (run.status === "awaiting_approval") this.#watchDeadline(run);
      else this.#queue.push(run);
    }
    if (this.#queue.length > 0)
      this.#o.logger.info({ runs: this.#queue.length }, "resuming unfinished workflow runs");
    this.#startQueued();
  }

  /** Starts a run and returns its record at once; `listener` gets every event of the run from the first. */
  async startRun(request: StartRunRequest, listener?: WorkflowListener): Promise<RunRecord> {
    const { definition } = this.definitions.get(request.workflow ?? DEFAULT_WORKFLOW);
    for (const name of definition.source.inputs ?? []) {
      const value = request.input[name];
      if (value === undefined || value === null || value === "")
        throw new SynapseError("INVALID_ARGUMENT", `Workflow "${definition.name}" needs input.${name}.`);
    }
    const id = `wf_${newRequestId().slice(0, 24)}`;
    const active = this.#reserve(id);
    const now = this.#clock.now();
    const run: RunRecord = {
      id,
      workflow: definition.name,
      status: "running",
      input: request.input,
      definition: definition.source,
      approval: request.approval ?? this.#o.config.workflow.requireApproval,
      createdAt: now,
      updatedAt: now,
      deadline: now + this.#o.config.workflow.deadlineMs,
    };
    try {
      await this.#o.persistence.runs.create(run);
    } catch (err) {
      this.#release(id);
      throw err;
    }
    if (listener !== undefined) this.events.subscribe(id, listener);
    this.events.emit({ type: "run_started", runId: id, workflow: run.workflow });
    this.#drive(run, active, { input: run.input, approval: run.approval });
    return run;
  }

  async get(id: string): Promise<RunView> {
    const run = await this.#record(id);
    return viewRun(run, await this.#state(run), this.#clock.now());
  }

  /** Newest first; `cursor` is the previous page's nextCursor. */
  async list(query: {
    limit: number;
    cursor?: string;
    status?: RunStatus;
  }): Promise<{ runs: RunSummary[]; nextCursor?: string }> {
    const q: ListQuery = {
      limit: query.limit,
      ...(query.status === undefined ? {} : { status: query.status }),
    };
    if (query.cursor !== undefined) q.before = decodeCursor(query.cursor);
    const runs = await this.#o.persistence.runs.list(q);
    const last = runs.at(-1);
    const now = this.#clock.now();
    return {
      runs: runs.map((r) => summarize(r, now)),
      ...(runs.length === query.limit && last !== undefined ? { nextCursor: encodeCursor(last) } : {}),
    };
  }

  approve(id: string): Promise<RunView> {
    return this.#decide(id, { approved: true });
  }

  reject(id: string): Promise<RunView> {
    return this.#decide(id, { approved: false });
  }

  /** Stops a run and its in-flight agent call; CANCELLED is its status. */
  async cancel(id: string): Promise<RunView> {
    const run = await this.#record(id);
    if (FINISHED.has(run.status))
      throw new SynapseError(
        "FAILED_PRECONDITION",
        `Run ${id} has already ${run.status}; nothing to cancel.`,
      );
    const active = this.#active.get(id);
    if (active !== undefined) {
      active.stop = "cancel";
      active.controller.abort(new SynapseError("CANCELLED", `Run ${id} was cancelled.`));
      await active.done;
    } else {
      const queued = this.#queue.findIndex((r) => r.id === id);
      if (queued >= 0) this.#queue.splice(queued, 1);
      await this.#finish(run, "cancelled", { code: "CANCELLED", message: `Run ${id} was cancelled.` });
    }
    return this.get(id);
  }

  /** Validates and registers a custom workflow (kept across restarts). */
  async register(raw: unknown): Promise<ValidDefinition> {
    const definition = this.definitions.register(raw);
    await this.#o.persistence.runs.saveDefinition(definition.source, this.#clock.now());
    return definition;
  }

  /** Stops driving runs without finishing them: the next start resumes them. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#queue.length = 0;
    for (const active of this.#active.values()) {
      active.stop ??= "shutdown";
      active.controller.abort(
        new SynapseError(
          "UNAVAILABLE",
          "The gateway is shutting down; the run resumes when it starts again.",
        ),
      );
    }
    await Promise.allSettled([...this.#active.values()].map((a) => a.done));
    for (const cancel of this.#deadlines.values()) cancel();
    this.#deadlines.clear();
  }

  async #decide(id: string, decision: ApprovalDecision): Promise<RunView> {
    const run = await this.#record(id);
    if (run.status !== "awaiting_approval") {
      throw new SynapseError("FAILED_PRECONDITION", `Run ${id} is ${run.status}, not awaiting approval.`);
    }
    const active = this.#reserve(id);
    const resumed = await this.#o.persistence.runs.update(id, {
      status: "running",
      awaiting: undefined,
      updatedAt: this.#clock.now(),
    });
    this.#drive(resumed ?? run, active, new Command({ resume: decision }));
    if (!decision.approved) await active.done;
    return this.get(id);
  }

  /** Takes a slot for a run, synchronously, so two requests cannot both pass the limit. */
  #reserve(id: string): Active {
    if (this.#closing)
      throw new SynapseError("UNAVAILABLE", "The gateway is shutting down; retry in a moment.");
    if (this.#active.has(id)) throw new SynapseError("FAILED_PRECONDITION", `Run ${id} is already running.`);
    const max = this.#o.config.workflow.maxConcurrentRuns;
    if (this.#active.size >= max) {
      throw new SynapseError(
        "RESOURCE_EXHAUSTED",
        `${max} workflow runs are already running (workflow.maxConcurrentRuns); retry when one finishes or raise SYNAPSE_WORKFLOW_MAX_CONCURRENT_RUNS.`,
        { retryAfterMs: 5_000 },
      );
    }
    const active: Active = { controller: new AbortController(), done: Promise.resolve() };
    this.#active.set(id, active);
    this.#o.metrics.workflowRunsActive.set(this.#active.size);
    return active;
  }

  #release(id: string): void {
    this.#active.delete(id);
    this.#o.metrics.workflowRunsActive.set(this.#active.size);
    this.#startQueued();
  }

  #startQueued(): void {
    while (
      !this.#closing &&
      this.#queue.length > 0 &&
      this.#active.size < this.#o.config.workflow.maxConcurrentRuns
    ) {
      const run = this.#queue.shift() as RunRecord;
      const active = this.#reserve(run.id);
      this.#drive(run, active, null);
    }
  }

  /** Runs the graph from `command` (first input, null to resume, or an approval) until it ends or waits. */
  #drive(run: RunRecord, active: Active, command: unknown): void {
    this.#watchDeadline(run);
    active.done = (async () => {
      const graph = this.#graph(run, active.controller.signal);
      const config = { configurable: { thread_id: run.id } };
      try {
        if (command === null && (await graph.getState(config)).values.input === undefined) {
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
          await this.#o.persistence.runs.update(run.id, {
            status: "awaiting_approval",
            awaiting: step,
            updatedAt: this.#clock.now(),
          });
          this.events.emit({ type: "awaiting_approval", runId: run.id, step });
        } else if (state.failure) await this.#finish(run, "failed", state.failure, state);
        else if (Object.values(state.approvals ?? {}).includes("rejected"))
          await this.#finish(
            run,
            "rejected",
            { code: "ABORTED", message: `Run ${run.id} was rejected before ${this.#rejectedStep(state)}.` },
            state,
          );
        else await this.#finish(run, "succeeded", undefined, state);
      } catch (err) {
        await this.#failed(run, active, err);
      } finally {
        this.#release(run.id);
      }
    })();
  }

  async #failed(run: RunRecord, active: Active, err: unknown): Promise<void> {
    if (active.stop === "shutdown") return; // left running: resumed at the next start
    const state = await this.#state(run).catch(() => undefined);
    if (active.stop === "cancel") {
      await this.#finish(
        run,
        "cancelled",
        { code: "CANCELLED", message: `Run ${run.id} was cancelled.` },
        state,
      );
    } else if (active.stop === "deadline") {
      await this.#finish(run, "failed", deadlineError(this.#o.config.workflow.deadlineMs), state);
    } else {
      const error = SynapseError.from(err);
      if (error.code === "INTERNAL") this.#o.logger.error({ err, runId: run.id }, "workflow run failed");
      await this.#finish(run, "failed", { code: error.code, message: error.message }, state);
    }
  }

  async #finish(run: RunRecord, status: RunStatus, error: RunRecord["error"], state?: State): Promise<void> {
    this.#deadlines.get(run.id)?.();
    this.#deadlines.delete(run.id);
    const now = this.#clock.now();
    await this.#o.persistence.runs.update(run.id, {
      status,
      error,
      finishedAt: now,
      updatedAt: now,
      awaiting: undefined,
    });
    this.#o.metrics.workflowRuns.inc({ workflow: run.workflow, status });
    const rounds = Object.values(state?.rounds ?? {}).reduce((a, b) => a + b, 0);
    if (state !== undefined) this.#o.metrics.workflowReviewRounds.observe(rounds);
    this.events.emit({
      type: "run_finished",
      runId: run.id,
      status,
      ...(error === undefined ? {} : { error }),
    });
  }

  /** Fails the run at its overall deadline: stops it when running, ends it when waiting. */
  #watchDeadline(run: RunRecord): void {
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
          void this.#finish(run, "failed", deadlineError(this.#o.config.workflow.deadlineMs)).catch(
            (err: unknown) =>
              this.#o.logger.error({ err, runId: run.id }, "cannot record a workflow deadline"),
          );
        }
      },
      Math.max(0, run.deadline - this.#clock.now()),
    );
    this.#deadlines.set(run.id, cancel);
  }

  #graph(run: RunRecord, signal: AbortSignal): CompiledWorkflow {
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
      emit: (event) => this.events.emit(event),
      onStepFinished: (step, ms) =>
        this.#o.metrics.workflowStepDuration.observe({ workflow: run.workflow, step }, ms / 1000),
    };
    return compileWorkflow(definition, this.#o.persistence.saver, deps);
  }

  async #state(run: RunRecord): Promise<State | undefined> {
    const snapshot = await this.#graph(run, new AbortController().signal).getState({
      configurable: { thread_id: run.id },
    });
    return snapshot.values as State;
  }

  async #record(id: string): Promise<RunRecord> {
    const run = await this.#o.persistence.runs.get(id);
    if (run === undefined)
      throw new SynapseError("NOT_FOUND", `No workflow run ${id}; list runs with GET /api/v1/workflow.`);
    return run;
  }

  #rejectedStep(state: State): string {
    const step = Object.entries(state.approvals).find(([, v]) => v === "rejected")?.[0];
    return step === undefined ? "a step" : `step "${step}"`;
  }
}

function deadlineError(ms: number): { code: "DEADLINE_EXCEEDED"; message: string } {
  return {
    code: "DEADLINE_EXCEEDED",
    message: `The run passed its overall deadline of ${ms} ms (workflow.deadlineMs); raise SYNAPSE_WORKFLOW_DEADLINE_MS for longer runs.`,
  };
}

function encodeCursor(run: RunRecord): string {
  return Buffer.from(`${run.createdAt}:${run.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, "base64url").toString();
  const at = text.indexOf(":");
  const createdAt = Number(text.slice(0, at));
  if (at <= 0 || !Number.isSafeInteger(createdAt)) {
    throw new SynapseError("INVALID_ARGUMENT", "Invalid cursor; pass the nextCursor of the previous page.");
  }
  return { createdAt, id: text.slice(at + 1) };
}
