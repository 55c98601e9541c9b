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
import type { ApprovalDecision } from "./compile-graph.js";
import { DEFAULT_WORKFLOW } from "./default-workflow.js";
import { DefinitionRegistry } from "./definition-registry.js";
import type { WorkflowPersistence } from "./persistence.js";
import { decodeCursor, encodeCursor } from "./run-cursor.js";
import { type Active, RunDriver } from "./run-driver.js";
import { RunEvents, type WorkflowListener } from "./run-events.js";
import { FINISHED, type ListQuery, type RunRecord, type RunStatus } from "./run-store.js";
import { type RunSummary, type RunView, summarize, viewRun } from "./run-view.js";
import type { ValidDefinition } from "./validate-definition.js";

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

export class WorkflowEngine {
  readonly events = new RunEvents();
  readonly definitions: DefinitionRegistry;
  readonly #o: WorkflowEngineOptions;
  readonly #clock: Clock;
  readonly #active = new Map<string, Active>();
  readonly #driver: RunDriver;
  /** Recovered runs waiting for a free slot. */
  readonly #queue: RunRecord[] = [];
  #closing = false;

  constructor(options: WorkflowEngineOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#driver = new RunDriver({ ...options, clock: this.#clock }, this.events, this.#active, (id) =>
      this.#release(id),
    );
    this.definitions = new DefinitionRegistry(
      { maxRounds: options.config.workflow.maxReviewRounds },
      options.logger,
    );
  }

  /** Loads definitions and resumes the runs a previous process left unfinished. */
  async start(): Promise<void> {
    await this.definitions.load(this.#o.config.workflow.definitionsDir, this.#o.persistence.runs);
    for (const run of await this.#o.persistence.runs.unfinished()) {
      if (run.status === "awaiting_approval") this.#driver.watchDeadline(run);
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
    this.#driver.drive(run, active, { input: run.input, approval: run.approval });
    return run;
  }

  async get(id: string): Promise<RunView> {
    const run = await this.#record(id);
    return viewRun(run, await this.#driver.state(run), this.#clock.now());
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
      await this.#driver.finish(run, "cancelled", { code: "CANCELLED", message: `Run ${id} was cancelled.` });
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
    this.#driver.clearDeadlines();
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
    this.#driver.drive(resumed ?? run, active, new Command({ resume: decision }));
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
      this.#driver.drive(run, active, null);
    }
  }

  async #record(id: string): Promise<RunRecord> {
    const run = await this.#o.persistence.runs.get(id);
    if (run === undefined)
      throw new SynapseError("NOT_FOUND", `No workflow run ${id}; list runs with GET /api/v1/workflow.`);
    return run;
  }
}
