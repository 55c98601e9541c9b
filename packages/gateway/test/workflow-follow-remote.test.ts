/**
 * Following a run another gateway drives (run-follow.ts), on fake clocks: gateway B polls the
 * shared store every second and turns what gateway A did into events; once B drives the run
 * itself, polling pauses and B's live events (noted by the follower) are not repeated.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { flushMicrotasks } from "@synapse/core";
import type { WorkflowEvent } from "../src/workflow/run-events.js";
import { followRemote } from "../src/workflow/run-follow.js";
import { sharedStore } from "./helpers/shared-engines.js";

const brief = (e: WorkflowEvent) => ("step" in e ? `${e.type}:${e.step}` : e.type);

describe("following a run driven by another gateway", { timeout: 10_000 }, () => {
  test("B's follower sends A's progress step by step, each once, then B's own live events when B takes over", async () => {
    const store = await sharedStore();
    try {
      const a = await store.gateway("gw-a");
      const b = await store.gateway("gw-b");
      const run = await a.engine.startRun({ input: { task: "t" }, approval: true });
      const got: WorkflowEvent[] = [];
      const follower = followRemote(b.engine, await b.engine.get(run.id), (e) => got.push(e), b.clock);
      const off = b.engine.events.subscribe(run.id, (e) => {
        follower.note(e);
        got.push(e);
      });
      await a.until(run.id, "awaiting_approval");
      assert.equal(got.length, 0, "nothing before the first poll");
      await b.clock.advanceAsync(1_000);
      await flushMicrotasks();
      assert.deepEqual(got.map(brief), [
        "step_started:plan",
        "step_finished:plan",
        "step_started:code",
        "step_finished:code",
        "step_started:review",
        "step_finished:review",
        "awaiting_approval:execute",
      ]);
      const plan = got[1];
      assert.ok(plan?.type === "step_finished");
      assert.equal(plan.output.action, "plan", "with the step's output");
      await b.clock.advanceAsync(3_000);
      await flushMicrotasks();
      assert.equal(got.length, 7, "unchanged runs send nothing more");

      // B takes the decision, so B drives the rest: live events, not polled copies.
      await b.engine.approve(run.id);
      await b.until(run.id, "run_finished");
      await b.clock.advanceAsync(2_000);
      await flushMicrotasks();
      assert.deepEqual(got.slice(7).map(brief), [
        "step_started:execute",
        "chunk:execute",
        "step_finished:execute",
        "run_finished",
      ]);
      follower.stop();
      off();
    } finally {
      await store.close();
    }
  });

  test("a run that finishes on A ends B's follower with run_finished", async () => {
    const store = await sharedStore();
    try {
      const a = await store.gateway("gw-a");
      const b = await store.gateway("gw-b");
      const run = await a.engine.startRun({ input: { task: "t" }, approval: true });
      await a.until(run.id, "awaiting_approval");
      const got: WorkflowEvent[] = [];
      const timers = b.clock.pending(); // B's renewal and scan
      followRemote(b.engine, await b.engine.get(run.id), (e) => got.push(e), b.clock);
      assert.equal(b.clock.pending(), timers + 1, "the follower's poll");
      await a.engine.reject(run.id);
      await b.clock.advanceAsync(1_000);
      await flushMicrotasks();
      assert.deepEqual(got.map(brief), ["run_finished"]);
      const last = got[0];
      assert.ok(last?.type === "run_finished");
      assert.equal(last.status, "rejected");
      await b.clock.advanceAsync(5_000);
      assert.equal(got.length, 1);
      assert.equal(b.clock.pending(), timers, "it stopped polling");
    } finally {
      await store.close();
    }
  });
});
