/**
 * The workflow engine: starts runs, drives them through their LangGraph graph (checkpointed after
 * every node, so a killed gateway picks each run up at its last completed step), and answers
 * approve, reject and cancel. Limits: concurrent runs (RESOURCE_EXHAUSTED), steps and loop rounds
 * (the run fails with the reason), the overall deadline (DEADLINE_EXCEEDED, also while waiting
 * for approval).
 *
 * Ownership (run-lease-keeper.ts): the gateway owns the runs it starts and takes over unfinished
 * runs whose owner stopped renewing its lease — at start-up (with SQLite, its previous process's
 * runs at once) and by periodic scans (with Postgres, a dead peer's runs) — resuming each from its
 * last checkpoint. Approve, reject and cancel work from any gateway: a run awaiting approval is
 * driven by nobody, so the gateway that receives the decision takes it; a cancel for a run another
 * live gateway drives is written to the store, and that owner stops the run at its next renewal.
 */
import { hostname } from "node:os";
import { type Clock, type Config, type Logger, newRequestId, SynapseError, systemClock } from "@synapse/core";
import type { CheckpointStore } from "@synapse/resilience";
import type { GatewayMetrics } from "../metrics.js";
import type { Upstream } from "../upstream.js";
import type { ApprovalDecision } from "./compile-graph.js";
import { DEFAULT_WORKFLOW } from "./default-workflow.js";
import { DefinitionRegistry } from "./definition-registry.js";
import type { WorkflowPersistence } from "./persistence.js";
import { cancelledError, cancelRun, stopActive } from "./run-cancel.js";
import { decodeCursor, encodeCursor } from "./run-cursor.js";
import { type Active, RunDriver } from "./run-driver.js";
import { RunEvents, type WorkflowListener } from "./run-events.js";
import { LeaseKeeper } from "./run-lease-keeper.js";
import {
  FINISHED,
  type ListQuery,
  type RequestedAction,
  type RunRecord,
  type RunStatus,
} from "./run-store.js";
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
  /** This gateway's id as the owner of runs; defaults to `<hostname>-<pid>-<8 random hex>`. */
  instanceId?: string;
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
  /** This gateway's id as the owner of runs. */
  readonly instanceId: string;
  readonly #o: WorkflowEngineOptions;
  readonly #clock: Clock;
  readonly #active = new Map<string, Active>();
  readonly #driver: RunDriver;
  readonly #keeper: LeaseKeeper;
  /** Waiting runs being cancelled on another gateway's request (renewals repeat the request). */
  readonly #cancelling = new Set<string>();
  #closing = false;

  constructor(options: WorkflowEngineOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${newRequestId().slice(0, 8)}`;
    this.#driver = new RunDriver(
      { ...options, clock: this.#clock, owner: this.instanceId },
      this.events,
      this.#active,
      {
        release: (id, waiting) => this.#release(id, waiting),
        finished: (id) => this.#keeper.drop(id),
      },
    );
    const { workflow } = options.config;
    this.#keeper = new LeaseKeeper({
      runs: options.persistence.runs,
      owner: this.instanceId,
      leaseMs: workflow.leaseMs,
      scanIntervalMs: workflow.takeoverIntervalMs,
      exclusive: options.persistence.exclusive,
      clock: this.#clock,
      logger: options.logger,
      capacity: () => (this.#closing ? 0 : workflow.maxConcurrentRuns - this.#active.size),
      adopt: (run) => this.#adopt(run),
      lost: (id, why) => this.#lost(id, why),
      requested: (id, action) => this.#requested(id, action),
    });
    this.definitions = new DefinitionRegistry({ maxRounds: workflow.maxReviewRounds }, options.logger);
  }

  /** Loads definitions, takes over unfinished runs whose lease lapsed, and starts renewing and scanning. */
  async start(): Promise<void> {
    await this.definitions.load(this.#o.config.workflow.definitionsDir, this.#o.persistence.runs);
    if (this.#o.config.state.mode === "shared" && this.#o.persistence.exclusive) {
      this.#o.logger.warn(
        "SYNAPSE_STATE=shared but workflows are in this gateway's SQLite file: runs are not shared with other gateways; set SYNAPSE_WORKFLOW_CHECKPOINTER=postgres and SYNAPSE_WORKFLOW_POSTGRES_URL",
      );
    }
    await this.#keeper.start();
  }

  /** Whether this gateway is driving run `id` right now. */
  drives(id: string): boolean {
    return this.#active.has(id);
  }

  /** Starts a run and returns its record at once; `listener` gets every event of the run from the first. */
  async startRun(request: StartRunRequest, listener?: WorkflowListener): Promise<RunRecord> {
    const { definition } = this.definitions.get(request.workflow ?? DEFAULT_WORKFLOW);
    for (const name of definition.source.inputs ?? []) {
      const value = request.input[name];
      if (value === undefined || value === null || value === "")
        throw new SynapseError("INVALID_ARGUMENT", `Workflow "${definition.name}" needs input.${name}.`);
    }
    // Before the run exists, so a LangGraph that cannot be loaded is this request's error, not a failed run.
    await this.#driver.ready();
    const id = `wf_${newRequestId().slice(0, 24)}`;
    const active = this.#reserve(id);
    const lease = this.#keeper.lease();
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
      await this.#o.persistence.runs.create(run, lease);
    } catch (err) {
      this.#release(id, false);
      throw err;
    }
    this.#keeper.hold(id, lease.until);
    if (listener !== undefined) this.events.subscribe(id, listener);
    this.events.emit({ type: "run_started", runId: id, workflow: run.workflow });
    this.#driver.drive(run, active, { input: run.input, approval: run.approval });
    return { ...run, owner: this.instanceId };
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

  /**
   * Stops a run and its in-flight agent call; CANCELLED is its status. Works on any gateway
   * (run-cancel.ts); for a run another live gateway drives it waits for that gateway's next lease
   * renewal, up to two leases, then answers with the run as it is.
   */
  async cancel(id: string): Promise<RunView> {
    const run = await this.#record(id);
    if (FINISHED.has(run.status))
      throw new SynapseError(
        "FAILED_PRECONDITION",
        `Run ${id} has already ${run.status}; nothing to cancel.`,
      );
    await cancelRun(run, {
      runs: this.#o.persistence.runs,
      keeper: this.#keeper,
      driver: this.#driver,
      active: this.#active,
      clock: this.#clock,
      leaseMs: this.#o.config.workflow.leaseMs,
      closing: () => this.#closing,
    });
    return this.get(id);
  }

  /** Validates and registers a custom workflow (kept across restarts). */
  async register(raw: unknown): Promise<ValidDefinition> {
    const definition = this.definitions.register(raw);
    await this.#o.persistence.runs.saveDefinition(definition.source, this.#clock.now());
    return definition;
  }

  /** Stops driving runs without finishing them and lets their leases go: another gateway, or the next start, resumes them. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#keeper.close();
    const held = this.#keeper.held();
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
    if (held.length > 0) {
      await this.#o.persistence.runs
        .release(this.instanceId, held)
        .catch((err: unknown) =>
          this.#o.logger.warn(
            { err },
            "cannot release workflow run leases; other gateways take the runs when they lapse",
          ),
        );
    }
  }

  async #decide(id: string, decision: ApprovalDecision): Promise<RunView> {
    const run = await this.#record(id);
    if (run.status !== "awaiting_approval") {
      throw new SynapseError("FAILED_PRECONDITION", `Run ${id} is ${run.status}, not awaiting approval.`);
    }
    const active = this.#reserve(id);
    // Whoever watched the run (this gateway or another) is not driving it: the decision takes it.
    const lease = this.#keeper.lease();
    const resumed = await this.#o.persistence.runs
      .update(
        id,
        { status: "running", awaiting: undefined, updatedAt: this.#clock.now() },
        { status: "awaiting_approval", take: lease },
      )
      .catch((err: unknown) => {
        this.#release(id, true);
        throw err;
      });
    if (resumed === undefined) {
      this.#release(id, true);
      throw new SynapseError(
        "FAILED_PRECONDITION",
        `Run ${id} is no longer awaiting approval (another request decided it first).`,
      );
    }
    this.#keeper.hold(id, lease.until);
    this.#driver.drive(resumed, active, { resume: decision });
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

  /**
   * A run stopped being driven here. Unless it now awaits approval (still held) or ended, a run
   * still held stopped for an unexpected reason (the store failed): its lease is let go, so a
   * scan (here or elsewhere) resumes it rather than nobody.
   */
  #release(id: string, waiting: boolean): void {
    this.#active.delete(id);
    this.#o.metrics.workflowRunsActive.set(this.#active.size);
    if (waiting || this.#closing) return;
    this.#driver.unwatchDeadline(id);
    if (this.#keeper.holds(id)) {
      this.#keeper.drop(id);
      void this.#o.persistence.runs.release(this.instanceId, [id]).catch(() => {});
    }
    this.#keeper.slotFreed();
  }

  /** A run a scan took: resume it from its checkpoint, or watch its deadline while it awaits approval. */
  #adopt(run: RunRecord): void {
    if (run.status === "awaiting_approval") {
      this.#driver.watchDeadline(run);
      return;
    }
    let active: Active;
    try {
      active = this.#reserve(run.id);
    } catch {
      // No room after all (runs started meanwhile) or closing: let it go for the next scan.
      this.#keeper.drop(run.id);
      void this.#o.persistence.runs.release(this.instanceId, [run.id]).catch(() => {});
      return;
    }
    this.#driver.drive(run, active, null);
  }

  #lost(id: string, why: "taken" | "lapsed"): void {
    this.#driver.unwatchDeadline(id);
    const active = this.#active.get(id);
    // Expected for a run awaiting approval (another gateway took the decision); not while driving it.
    this.#o.logger[active === undefined ? "info" : "warn"](
      { runId: id, why },
      why === "taken"
        ? "another gateway has taken over this workflow run"
        : "could not renew this workflow run's lease in time; stopping here so that another gateway can take it",
    );
    if (active === undefined) return;
    active.stop ??= "lost";
    active.controller.abort(new SynapseError("UNAVAILABLE", `Run ${id} is driven by another gateway now.`));
  }

  #requested(id: string, action: RequestedAction): void {
    if (action !== "cancel") return;
    const active = this.#active.get(id);
    if (active !== undefined) {
      if (active.stop === undefined) void stopActive(id, active);
      return;
    }
    if (this.#cancelling.has(id)) return;
    this.#cancelling.add(id);
    void this.#record(id)
      .then((run) =>
        FINISHED.has(run.status) ? undefined : this.#driver.finish(run, "cancelled", cancelledError(id)),
      )
      .catch((err: unknown) => this.#o.logger.warn({ err, runId: id }, "cannot cancel a workflow run"))
      .finally(() => this.#cancelling.delete(id));
  }

  async #record(id: string): Promise<RunRecord> {
    const run = await this.#o.persistence.runs.get(id);
    if (run === undefined)
      throw new SynapseError("NOT_FOUND", `No workflow run ${id}; list runs with GET /api/v1/workflow.`);
    return run;
  }
}
