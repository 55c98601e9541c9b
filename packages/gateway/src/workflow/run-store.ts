/**
 * Run history: one record per workflow run (its status, input, the definition it runs, times,
 * error), kept next to LangGraph's checkpoints (same SQLite file or Postgres database) so it
 * survives restarts and lists fast; the steps themselves live in the checkpoints. Registered
 * custom definitions are kept here too.
 *
 * Ownership: each unfinished run has an owner (a gateway instance) and a lease expiry, so that of
 * several gateways on one database exactly one drives a run, and another takes it over when the
 * owner stops renewing (it died). Every change of owner is one atomic statement (or transaction)
 * that checks the lease, so two gateways can never both take the same run. Lease times are epoch
 * milliseconds from the gateways' clocks, which must agree to well within the lease duration.
 */
import type { Code } from "@synapse/core";
import type { WorkflowDefinition } from "./definition-schema.js";

export const RUN_STATUSES = [
  "running",
  "awaiting_approval",
  "succeeded",
  "failed",
  "cancelled",
  "rejected",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED: ReadonlySet<RunStatus> = new Set(["succeeded", "failed", "cancelled", "rejected"]);

export interface RunRecord {
  id: string;
  workflow: string;
  status: RunStatus;
  input: Record<string, unknown>;
  /** The definition the run started with (a later change to it does not affect this run). */
  definition: WorkflowDefinition;
  /** Whether execute steps wait for approval. */
  approval: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** The overall deadline, epoch milliseconds. */
  deadline: number;
  finishedAt?: number;
  error?: { code: Code; message: string };
  /** The step waiting for approval, while awaiting_approval. */
  awaiting?: string;
  /** The gateway instance that drives (or last drove) the run; read from the store, never written with the record. */
  owner?: string;
}

/** A claim on a run: `owner` drives it until `until` (epoch milliseconds) unless it renews. */
export interface RunLease {
  owner: string;
  until: number;
}

/** What a gateway that does not own a run can ask its owner to do (seen at the owner's next renewal). */
export type RequestedAction = "cancel";

/** Conditions of a guarded update, checked in the same transaction as the write. */
export interface UpdateGuard {
  /** Apply only while this gateway owns the run. */
  owner?: string;
  /** Apply only while the run has this status. */
  status?: RunStatus;
  /** Also make `take.owner` the owner, with a lease until `take.until`. */
  take?: RunLease;
}

/** Which lapsed runs a scan takes. */
export interface LapsedQuery {
  status: "running" | "awaiting_approval";
  /** Runs to take at most, oldest first. */
  limit: number;
  /** Runs the caller holds already (never taken again, even when their lease looks lapsed). */
  exclude: readonly string[];
}

export type RunPatch = Partial<Pick<RunRecord, "status" | "updatedAt" | "finishedAt" | "error" | "awaiting">>;

export interface ListQuery {
  /** Runs per page. */
  limit: number;
  /** Only runs created before this one (the cursor of the previous page). */
  before?: { createdAt: number; id: string };
  status?: RunStatus;
}

export interface RunStore {
  /** Records a new run, owned by `lease.owner`. */
  create(run: RunRecord, lease: RunLease): Promise<void>;
  /**
   * Applies `patch` (`undefined` values remove the field) when the run exists and `guard` holds;
   * returns the new record, or undefined when it does not exist or the guard failed.
   */
  update(id: string, patch: RunPatch, guard?: UpdateGuard): Promise<RunRecord | undefined>;
  get(id: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(query: ListQuery): Promise<RunRecord[]>;
  /**
   * Takes unfinished run `id` for `lease.owner` when its lease lapsed before `lapsedBefore`, has
   * no owner, is the owner's already, or (with `awaiting`) the run waits for approval — then
   * nobody is driving it. Returns the run when taken.
   */
  claim(
    id: string,
    lease: RunLease,
    lapsedBefore: number,
    options?: { awaiting?: boolean },
  ): Promise<RunRecord | undefined>;
  /** Takes the oldest runs of `query.status` whose lease lapsed before `lapsedBefore` (or that have no owner). */
  claimLapsed(lease: RunLease, lapsedBefore: number, query: LapsedQuery): Promise<RunRecord[]>;
  /**
   * Extends `lease.owner`'s leases on `ids` to `lease.until`. Returns the runs still its own and
   * unfinished, each with the action another gateway asked for, if any.
   */
  renew(lease: RunLease, ids: readonly string[]): Promise<Map<string, RequestedAction | undefined>>;
  /** Lets `owner`'s leases on `ids` lapse now, so another gateway's next scan takes them. */
  release(owner: string, ids: readonly string[]): Promise<void>;
  /** Asks the owner of unfinished run `id` for `action`; returns its lease, or undefined when finished or missing. */
  request(id: string, action: RequestedAction): Promise<RunLease | undefined>;
  saveDefinition(definition: WorkflowDefinition, at: number): Promise<void>;
  definitions(): Promise<WorkflowDefinition[]>;
}

/** The statuses of runs someone must drive or watch (the SQL of both stores spells them out too). */
export const UNFINISHED: readonly RunStatus[] = ["running", "awaiting_approval"];

export function applyPatch(run: RunRecord, patch: RunPatch): RunRecord {
  const next: Record<string, unknown> = { ...run };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as unknown as RunRecord;
}

/** The record as stored: without its owner, which lives in its own column. */
export function storedRecord(run: RunRecord): string {
  const { owner: _owner, ...rest } = run;
  return JSON.stringify(rest);
}

/** Whether `guard` lets an update of a run with this status and owner through. */
export function guardHolds(guard: UpdateGuard | undefined, status: RunStatus, owner: string | null): boolean {
  if (guard?.owner !== undefined && owner !== guard.owner) return false;
  return guard?.status === undefined || status === guard.status;
}
