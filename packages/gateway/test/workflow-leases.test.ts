/**
 * Run ownership between gateways, exact on fake clocks: several workflow engines on one run store
 * (helpers/shared-engines.ts), fake upstreams counting the agent calls each gateway makes. Lease
 * 15 s, renewed every 5 s; scans every 5 s (the defaults).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type AgentRequest, flushMicrotasks, SynapseError } from "@synapse/core";
import type { RunStore } from "../src/workflow/run-store.js";
import { type Answer, defaultAnswer, FakeUpstream } from "./helpers/fake-workflow-engine.js";
import { type FakeGateway, type SharedStore, sharedStore } from "./helpers/shared-engines.js";

const hangOnCode = () =>
  new FakeUpstream(
    (request: AgentRequest): Answer => (request.action === "code" ? "hang" : defaultAnswer(request)),
  );

/** Starts a run on `gateway` and waits until its code step (which hangs there) has started. */
async function runUntilCode(gateway: FakeGateway): Promise<string> {
  const run = await gateway.engine.startRun({ input: { task: "t" } });
  await gateway.until(run.id, "step_started", "code");
  return run.id;
}

async function withStore(fn: (store: SharedStore) => Promise<void>): Promise<void> {
  const store = await sharedStore();
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

// Broken lease logic makes a wait below never end: the timeout turns that into a failure.
const within = { timeout: 10_000 };

describe("workflow run leases (fake clocks, one shared run store)", () => {
  test(
    "a dead owner's run is taken at the first scan after its lease lapses, and resumes at its last checkpoint",
    within,
    () =>
      withStore(async (store) => {
        const a = await store.gateway("gw-a", { upstream: hangOnCode() });
        const b = await store.gateway("gw-b");
        const id = await runUntilCode(a);
        // A dies: its clock stops, so it renews nothing. Its lease ends 15 s after the run started.
        await b.clock.advanceAsync(15_000);
        assert.equal((await b.engine.get(id)).owner, "gw-a", "the lease has not lapsed before its end");
        assert.deepEqual(b.upstream.actions(), []);
        await b.clock.advanceAsync(5_000); // the scan at 20 s finds it lapsed
        const finished = await b.until(id, "run_finished");
        assert.equal(finished.type === "run_finished" && finished.status, "succeeded");
        const view = await b.engine.get(id);
        assert.equal(view.owner, "gw-b");
        assert.deepEqual(
          view.steps.map((s) => s.step),
          ["plan", "code", "review", "execute"],
        );
        assert.deepEqual(a.upstream.actions(), ["plan", "code"]);
        assert.deepEqual(b.upstream.actions(), ["code", "review", "execute"], "plan was not run again");

        // A wakes up: its renewal finds the run is B's; it stops its call and records nothing.
        assert.equal(a.upstream.signals.get("s_fake2")?.aborted, false);
        await a.clock.advanceAsync(5_000);
        await flushMicrotasks();
        assert.equal(a.upstream.signals.get("s_fake2")?.aborted, true, "A's code call was stopped");
        assert.equal(a.engine.drives(id), false);
        assert.ok(!a.events.some((e) => e.type === "run_finished"), "A recorded no end");
        assert.equal((await b.engine.get(id)).status, "succeeded");
      }),
  );

  test("a live owner keeps its runs: it renews every third of the lease and nobody takes them", within, () =>
    withStore(async (store) => {
      const a = await store.gateway("gw-a", { upstream: hangOnCode() });
      const b = await store.gateway("gw-b");
      const id = await runUntilCode(a);
      for (let t = 0; t < 60_000; t += 1_000) {
        await a.clock.advanceAsync(1_000);
        await b.clock.advanceAsync(1_000);
      }
      assert.equal((await b.engine.get(id)).owner, "gw-a");
      assert.deepEqual(b.upstream.actions(), [], "B never took the run");
      assert.equal(a.engine.drives(id), true);
      assert.equal(a.upstream.signals.get("s_fake2")?.aborted, false);
      // Renewed at 55 s (the last renewal), so the lease runs to 70 s: not claimable at 69 s.
      assert.equal(await store.runs.claim(id, { owner: "x", until: 0 }, a.clock.now() + 9_000), undefined);
    }),
  );

  test(
    "an owner that cannot renew stops driving before its lease lapses, leaving the run to another gateway",
    within,
    () =>
      withStore(async (store) => {
        let failing = false;
        const runs = new Proxy(store.runs, {
          get(target, prop) {
            if (prop === "renew" && failing)
              return async () => {
                throw new Error("the database is unreachable");
              };
            const value = Reflect.get(target, prop) as unknown;
            return typeof value === "function" ? value.bind(target) : value;
          },
        }) as RunStore;
        const a = await store.gateway("gw-a", { upstream: hangOnCode(), runs });
        const b = await store.gateway("gw-b");
        const id = await runUntilCode(a);
        failing = true;
        await a.clock.advanceAsync(9_999); // the renewal at 5 s fails
        assert.equal(a.upstream.signals.get("s_fake2")?.aborted, false, "the lease still has 5 s");
        // The renewal at 10 s fails too: the lease would end before the next one (at 15 s, when
        // another gateway may take the run), so A stops now.
        await a.clock.advanceAsync(1);
        await flushMicrotasks();
        assert.equal(a.upstream.signals.get("s_fake2")?.aborted, true, "A stopped its call");
        assert.equal(a.engine.drives(id), false);
        assert.equal((await b.engine.get(id)).status, "running", "A recorded nothing: the run is not failed");
        await b.clock.advanceAsync(20_000);
        await b.until(id, "run_finished");
        assert.equal((await b.engine.get(id)).status, "succeeded");
        assert.deepEqual(b.upstream.actions(), ["code", "review", "execute"]);
      }),
  );

  test(
    "cancel sent to another gateway: the owner stops the run at its next renewal, and the answer says cancelled",
    within,
    () =>
      withStore(async (store) => {
        const a = await store.gateway("gw-a", { upstream: hangOnCode() });
        const b = await store.gateway("gw-b");
        const id = await runUntilCode(a);
        let answered = false;
        const cancelling = b.engine.cancel(id).finally(() => {
          answered = true;
        });
        await flushMicrotasks();
        await a.clock.advanceAsync(4_999);
        await b.clock.advanceAsync(4_999);
        assert.equal(a.upstream.signals.get("s_fake2")?.aborted, false, "A has not renewed yet");
        assert.equal(answered, false, "B waits for the owner");
        await a.clock.advanceAsync(1); // A's renewal at 5 s brings the request
        await a.until(id, "run_finished");
        assert.equal(a.upstream.signals.get("s_fake2")?.aborted, true, "A stopped the code call");
        await b.clock.advanceAsync(200); // B's next look
        const view = await cancelling;
        assert.equal(view.status, "cancelled");
        assert.equal(view.error?.code, "CANCELLED");
        assert.equal(view.owner, "gw-a", "the owner ended it");
        assert.deepEqual(b.upstream.actions(), []);
      }),
  );

  test(
    "cancel of a run whose owner died: the receiving gateway takes it when the lease lapses and ends it",
    within,
    () =>
      withStore(async (store) => {
        const a = await store.gateway("gw-a", { upstream: hangOnCode() });
        const b = await store.gateway("gw-b", { env: { SYNAPSE_WORKFLOW_TAKEOVER_INTERVAL_MS: "60000" } });
        const id = await runUntilCode(a);
        const cancelling = b.engine.cancel(id);
        await flushMicrotasks();
        await b.clock.advanceAsync(15_000);
        assert.equal((await b.engine.get(id)).status, "running", "A's lease still holds");
        await b.clock.advanceAsync(200);
        const view = await cancelling;
        assert.equal(view.status, "cancelled");
        assert.equal(view.owner, "gw-b");
        assert.deepEqual(b.upstream.actions(), [], "B did not resume it first");
      }),
  );

  test(
    "approve sent to another gateway: it takes the waiting run and runs the rest; a second decision is refused",
    within,
    () =>
      withStore(async (store) => {
        const a = await store.gateway("gw-a");
        const b = await store.gateway("gw-b");
        const c = await store.gateway("gw-c");
        const run = await a.engine.startRun({ input: { task: "t" }, approval: true });
        await a.until(run.id, "awaiting_approval");
        const [byB, byC] = await Promise.allSettled([b.engine.approve(run.id), c.engine.approve(run.id)]);
        assert.equal(byB.status, "fulfilled");
        assert.ok(byC.status === "rejected" && byC.reason instanceof SynapseError);
        assert.equal(byC.reason.code, "FAILED_PRECONDITION");
        await b.until(run.id, "run_finished");
        const view = await b.engine.get(run.id);
        assert.equal(view.status, "succeeded");
        assert.equal(view.owner, "gw-b");
        assert.deepEqual(a.upstream.actions(), ["plan", "code", "review"]);
        assert.deepEqual(b.upstream.actions(), ["execute"]);
        // A's renewal finds the run taken; it no longer watches it (its deadline cannot end it).
        await a.clock.advanceAsync(31 * 60_000);
        assert.equal((await a.engine.get(run.id)).status, "succeeded");
        assert.ok(!a.events.some((e) => e.type === "run_finished"));
      }),
  );

  test(
    "gateways starting at once split the lapsed runs within their capacity; a freed slot takes the next",
    within,
    () =>
      withStore(async (store) => {
        const a = await store.gateway("gw-a", { upstream: hangOnCode() });
        const ids = [await runUntilCode(a), await runUntilCode(a), await runUntilCode(a)];
        // A dies; B and C start together once its leases have lapsed, room for one run each.
        const one = { SYNAPSE_WORKFLOW_MAX_CONCURRENT_RUNS: "1" };
        const [b, c] = await Promise.all([
          store.gateway("gw-b", { env: one, startAfterMs: 16_000 }),
          store.gateway("gw-c", { env: one, startAfterMs: 16_000 }),
        ]);
        // Only the gateway that drives a run emits its end; the third waited for the first free slot.
        for (const id of ids) await Promise.race([b.until(id, "run_finished"), c.until(id, "run_finished")]);
        for (const id of ids) {
          const view = await b.engine.get(id);
          assert.equal(view.status, "succeeded", id);
          assert.ok(["gw-b", "gw-c"].includes(view.owner ?? ""), `${id} resumed by ${view.owner}`);
          assert.deepEqual(
            view.steps.map((s) => s.step),
            ["plan", "code", "review", "execute"],
          );
        }
        const calls = [...b.upstream.actions(), ...c.upstream.actions()].sort();
        assert.deepEqual(calls, [
          "code",
          "code",
          "code",
          "execute",
          "execute",
          "execute",
          "review",
          "review",
          "review",
        ]);
        assert.ok(b.upstream.actions().length > 0 && c.upstream.actions().length > 0, "both took runs");
      }),
  );

  test(
    "with an exclusive (embedded SQLite) store a restarted gateway takes its dead predecessor's runs at once",
    within,
    () =>
      withStore(async (store) => {
        const a = await store.gateway("gw-a", { upstream: hangOnCode() });
        const id = await runUntilCode(a);
        const b = await store.gateway("gw-b", { exclusive: true }); // same time: A's lease still runs
        await b.until(id, "run_finished");
        assert.equal((await b.engine.get(id)).owner, "gw-b");
        assert.deepEqual(b.upstream.actions(), ["code", "review", "execute"]);
      }),
  );
});
