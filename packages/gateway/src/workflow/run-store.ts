/**
 * Run history: one record per workflow run (its status, input, the definition it runs, times,
 * error), kept next to LangGraph's checkpoints (same SQLite file or Postgres database) so it
 * survives restarts and lists fast; the steps themselves live in the checkpoints. Registered
 * custom definitions are kept here too.
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
  create(run: RunRecord): Promise<void>;
  /** Applies `patch`; `undefined` values remove the field. */
  update(id: string, patch: RunPatch): Promise<RunRecord | undefined>;
  get(id: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(query: ListQuery): Promise<RunRecord[]>;
  /** Runs a restart must pick up again: running, or waiting for approval (their deadline still runs). */
  unfinished(): Promise<RunRecord[]>;
  saveDefinition(definition: WorkflowDefinition, at: number): Promise<void>;
  definitions(): Promise<WorkflowDefinition[]>;
}

export function applyPatch(run: RunRecord, patch: RunPatch): RunRecord {
  const next: Record<string, unknown> = { ...run };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next as unknown as RunRecord;
}
