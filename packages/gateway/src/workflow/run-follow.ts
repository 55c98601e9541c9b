/**
 * Progress of a run another gateway drives, for SSE followers on this one. Live events exist only
 * in the process that drives a run, so while this gateway does not drive it, the follower polls
 * the run's record and checkpoints (shared through Postgres) and turns what changed into the same
 * events: step_started (with the step's streamId, whose text any gateway in shared mode serves at
 * /api/v1/streams/{streamId}), step_finished with the output, awaiting_approval and run_finished.
 * Chunks are not relayed. While this gateway drives the run (it took it over), its live events
 * flow instead and polling pauses.
 */
import type { Clock } from "@synapse/core";
import type { WorkflowEvent } from "./run-events.js";
import { FINISHED } from "./run-store.js";
import type { RunView } from "./run-view.js";

/** Milliseconds between two polls of a run driven elsewhere. */
export const REMOTE_POLL_MS = 1_000;

export interface RemoteRunSource {
  get(id: string): Promise<RunView>;
  /** Whether this gateway drives the run now (then its live events carry the progress). */
  drives(id: string): boolean;
}

export interface RemoteFollower {
  /** Tells the follower about a live event, so the poll does not repeat it. */
  note(event: WorkflowEvent): void;
  stop(): void;
}

const stepKey = (step: string, round: number) => `${step}#${round}`;

/** Polls run `view.id` from `view` on, emitting each change as an event until it finishes or `stop`. */
export function followRemote(
  source: RemoteRunSource,
  view: RunView,
  deliver: (event: WorkflowEvent) => void,
  clock: Clock,
  intervalMs = REMOTE_POLL_MS,
): RemoteFollower {
  const runId = view.id;
  let halted = false;
  // A poll in flight when the follower stops emits nothing.
  const emit = (event: WorkflowEvent) => {
    if (!halted) deliver(event);
  };
  const started = new Set<string>();
  const finished = new Set<string>();
  let awaiting = view.status === "awaiting_approval" ? view.awaiting : undefined;
  let stopped = false;
  let cancel: (() => void) | undefined;
  const see = (v: RunView) => {
    for (const s of v.steps) {
      const key = stepKey(s.step, s.round);
      started.add(key);
      if (s.status === "succeeded") finished.add(key);
    }
  };
  see(view);

  const poll = async () => {
    if (stopped || source.drives(runId)) return;
    const next = await source.get(runId);
    if (stopped || source.drives(runId)) return; // live events took over meanwhile
    for (const s of next.steps) {
      const key = stepKey(s.step, s.round);
      const { step, agent, action, round } = s;
      if (!started.has(key)) {
        started.add(key);
        emit({ type: "step_started", runId, step, agent, action, round, streamId: s.streamId });
      }
      if (s.status === "succeeded" && s.output !== undefined && !finished.has(key)) {
        finished.add(key);
        emit({
          type: "step_finished",
          runId,
          step,
          agent,
          action,
          round,
          durationMs: s.durationMs,
          output: s.output,
        });
      }
    }
    if (next.status === "awaiting_approval" && next.awaiting !== undefined && next.awaiting !== awaiting) {
      emit({ type: "awaiting_approval", runId, step: next.awaiting });
    }
    awaiting = next.status === "awaiting_approval" ? next.awaiting : undefined;
    if (FINISHED.has(next.status)) {
      stopped = true;
      emit({
        type: "run_finished",
        runId,
        status: next.status,
        ...(next.error === undefined ? {} : { error: next.error }),
      });
    }
  };
  const schedule = () => {
    if (stopped) return;
    cancel = clock.setTimeout(() => {
      cancel = undefined;
      // A failed poll (the database briefly away) is retried at the next one.
      void poll()
        .catch(() => {})
        .finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    note(event) {
      if (event.type === "step_started") started.add(stepKey(event.step, event.round));
      else if (event.type === "step_finished") finished.add(stepKey(event.step, event.round));
      else if (event.type === "awaiting_approval") awaiting = event.step;
      else if (event.type === "run_finished") stopped = true;
    },
    stop() {
      stopped = true;
      halted = true;
      cancel?.();
      cancel = undefined;
    },
  };
}
