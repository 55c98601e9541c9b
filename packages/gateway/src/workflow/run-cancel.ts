/**
 * Cancelling a run from any gateway. The gateway that drives the run stops it at once (its agent
 * call too). A run nobody drives — awaiting approval, or whose owner died (lease lapsed) — is
 * taken and ended by the gateway that received the cancel. A run another live gateway drives is
 * marked in the store (`requested = 'cancel'`); its owner sees that at its next renewal (a third of
 * the lease) and stops it, and the receiving gateway waits for that, taking the run itself should
 * the owner's lease lapse meanwhile.
 */
import { type Clock, SynapseError, sleep } from "@synapse/core";
import type { Active, RunDriver } from "./run-driver.js";
import type { LeaseKeeper } from "./run-lease-keeper.js";
import { FINISHED, type RunRecord, type RunStore } from "./run-store.js";

export interface CancelDeps {
  runs: RunStore;
  keeper: LeaseKeeper;
  driver: RunDriver;
  active: ReadonlyMap<string, Active>;
  clock: Clock;
  /** Lease duration in milliseconds: the wait for another gateway is bounded by two. */
  leaseMs: number;
  closing(): boolean;
}

/** How often a gateway that asked another to cancel a run checks that it has stopped, in milliseconds. */
export const REMOTE_CANCEL_POLL_MS = 200;

export function cancelledError(id: string): { code: "CANCELLED"; message: string } {
  return { code: "CANCELLED", message: `Run ${id} was cancelled.` };
}

/** Cancels unfinished run `run` wherever it is driven; resolves once it has stopped (or after two leases). */
export async function cancelRun(run: RunRecord, deps: CancelDeps): Promise<void> {
  const active = deps.active.get(run.id);
  if (active !== undefined) await stopActive(run.id, active);
  else if (deps.keeper.holds(run.id)) await deps.driver.finish(run, "cancelled", cancelledError(run.id));
  else if (!(await takeAndCancel(run.id, deps))) await askOwner(run.id, deps);
}

/** Stops a run driven here and waits for its driver to record the end. */
export async function stopActive(id: string, active: Active): Promise<void> {
  active.stop = "cancel";
  active.controller.abort(new SynapseError("CANCELLED", `Run ${id} was cancelled.`));
  await active.done;
}

/** Takes a run nobody drives and ends it; false when a live gateway drives it. */
async function takeAndCancel(id: string, deps: CancelDeps): Promise<boolean> {
  const lease = deps.keeper.lease();
  const taken = await deps.runs.claim(id, lease, deps.keeper.lapsedBefore(), { awaiting: true });
  if (taken === undefined) return false;
  deps.keeper.hold(id, lease.until);
  if (!(await deps.driver.finish(taken, "cancelled", cancelledError(id)))) deps.keeper.drop(id);
  return true;
}

async function askOwner(id: string, deps: CancelDeps): Promise<void> {
  if ((await deps.runs.request(id, "cancel")) === undefined) return; // it has just finished
  const until = deps.clock.now() + 2 * deps.leaseMs;
  while (deps.clock.now() < until && !deps.closing()) {
    await sleep(REMOTE_CANCEL_POLL_MS, undefined, deps.clock);
    const run = await deps.runs.get(id);
    if (run === undefined || FINISHED.has(run.status)) return;
    if (await takeAndCancel(id, deps)) return;
  }
}
