/**
 * Live progress of runs in this process, for SSE: step started, chunk, step finished, awaiting
 * approval, run finished. Not persisted: after a restart a follower gets the run's state from
 * GET /api/v1/workflow/{id} and the live events from then on.
 */
import type { AgentResponse, Code } from "@synapse/core";
import type { RunStatus } from "./run-store.js";

export type WorkflowEvent =
  | { type: "run_started"; runId: string; workflow: string }
  | {
      type: "step_started";
      runId: string;
      step: string;
      agent: string;
      action: string;
      round: number;
      streamId: string;
      /** Set when a restarted step picks up a stream cut by a gateway restart after this seq. */
      resumedAfterSeq?: number;
    }
  | { type: "chunk"; runId: string; step: string; seq: number; text: string }
  | {
      type: "step_finished";
      runId: string;
      step: string;
      agent: string;
      action: string;
      round: number;
      durationMs: number;
      output: AgentResponse;
    }
  | { type: "awaiting_approval"; runId: string; step: string }
  | { type: "run_finished"; runId: string; status: RunStatus; error?: { code: Code; message: string } };

export type WorkflowListener = (event: WorkflowEvent) => void;

export class RunEvents {
  readonly #listeners = new Map<string, Set<WorkflowListener>>();

  /** Calls `listener` with each later event of run `runId`; returns the unsubscribe. */
  subscribe(runId: string, listener: WorkflowListener): () => void {
    let set = this.#listeners.get(runId);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(runId) === set) this.#listeners.delete(runId);
    };
  }

  emit(event: WorkflowEvent): void {
    for (const listener of [...(this.#listeners.get(event.runId) ?? [])]) {
      try {
        listener(event);
      } catch {
        // A broken follower must not stop the run.
      }
    }
  }
}
