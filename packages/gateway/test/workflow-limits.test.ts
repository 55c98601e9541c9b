import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AgentRequest } from "@synapse/core";
import { type Answer, defaultAnswer, FakeUpstream, startEngine } from "./helpers/fake-workflow-engine.js";

const changesAlways = (request: AgentRequest): Answer =>
  request.action === "review"
    ? {
        result: {
          verdict: "request_changes",
          comments: [{ location: "a.ts line 1", message: "again" }],
          summary: "no",
        },
      }
    : defaultAnswer(request);

const hangOn =
  (action: string) =>
  (request: AgentRequest): Answer =>
    request.action === action ? "hang" : defaultAnswer(request);

describe("workflow limits (in-process engine, fake upstream, fake clock)", () => {
  test("the overall deadline stops a run mid-step: failed with DEADLINE_EXCEEDED and the reason; the agent call is aborted", async () => {
    const h = await startEngine({ SYNAPSE_WORKFLOW_DEADLINE_MS: "60000" }, new FakeUpstream(hangOn("code")));
    try {
      const run = await h.start({ input: { task: "t" } });
      await run.until("step_started", "code");
      assert.deepEqual(h.upstream.actions(), ["plan", "code"]);
      await h.clock.advanceAsync(59_999);
      assert.equal((await h.engine.get(run.id)).status, "running");
      await h.clock.advanceAsync(1);
      const finished = await run.until("run_finished");
      assert.equal(finished.type === "run_finished" && finished.status, "failed");
      const view = await h.engine.get(run.id);
      assert.equal(view.error?.code, "DEADLINE_EXCEEDED");
      assert.match(view.error?.message ?? "", /overall deadline of 60000 ms \(workflow\.deadlineMs\)/);
      assert.equal(h.upstream.signals.get("s_fake2")?.aborted, true, "the code stream was stopped upstream");
      assert.deepEqual(
        view.steps.map((s) => `${s.step}:${s.status}`),
        ["plan:succeeded", "code:running"],
      );
    } finally {
      await h.stop();
    }
  });

  test("the deadline also ends a run waiting for approval", async () => {
    const h = await startEngine({ SYNAPSE_WORKFLOW_DEADLINE_MS: "1000" });
    try {
      const run = await h.start({ input: { task: "t" }, approval: true });
      await run.until("awaiting_approval");
      assert.equal((await h.engine.get(run.id)).status, "awaiting_approval");
      await h.clock.advanceAsync(1000);
      await run.until("run_finished");
      const view = await h.engine.get(run.id);
      assert.equal(view.status, "failed");
      assert.equal(view.error?.code, "DEADLINE_EXCEEDED");
      assert.ok(!h.upstream.actions().includes("execute"));
    } finally {
      await h.stop();
    }
  });

  test("the review loop stops after workflow.maxReviewRounds with a clear reason, before execute", async () => {
    const h = await startEngine({ SYNAPSE_WORKFLOW_MAX_REVIEW_ROUNDS: "2" }, new FakeUpstream(changesAlways));
    try {
      const run = await h.start({ input: { task: "t" } });
      await run.until("run_finished");
      const view = await h.engine.get(run.id);
      assert.equal(view.status, "failed");
      assert.equal(view.error?.code, "RESOURCE_EXHAUSTED");
      assert.match(
        view.error?.message ?? "",
        /"review" still sends the run back to "code" after 2 round\(s\)/,
      );
      assert.deepEqual(view.rounds, { review: 2 });
      assert.deepEqual(h.upstream.actions(), ["plan", "code", "review", "code", "review", "code", "review"]);
      assert.equal(view.steps.at(-1)?.output?.result.verdict, "request_changes", "the last review is kept");
    } finally {
      await h.stop();
    }
  });

  test("workflow.maxSteps bounds the step executions of a run", async () => {
    const h = await startEngine(
      { SYNAPSE_WORKFLOW_MAX_STEPS: "4", SYNAPSE_WORKFLOW_MAX_REVIEW_ROUNDS: "10" },
      new FakeUpstream(changesAlways),
    );
    try {
      const run = await h.start({ input: { task: "t" } });
      await run.until("run_finished");
      const view = await h.engine.get(run.id);
      assert.equal(view.status, "failed");
      assert.equal(view.error?.code, "RESOURCE_EXHAUSTED");
      assert.match(
        view.error?.message ?? "",
        /limit of 4 step executions \(workflow\.maxSteps\) before step "review"/,
      );
      assert.equal(h.upstream.calls.length, 4);
    } finally {
      await h.stop();
    }
  });

  test("workflow.maxConcurrentRuns refuses one run too many with RESOURCE_EXHAUSTED; a slot frees when a run ends", async () => {
    const h = await startEngine(
      { SYNAPSE_WORKFLOW_MAX_CONCURRENT_RUNS: "1" },
      new FakeUpstream(hangOn("plan")),
    );
    try {
      const first = await h.start({ input: { task: "t" } });
      await assert.rejects(h.engine.startRun({ input: { task: "u" } }), (err: unknown) => {
        const e = err as { code?: string; message?: string };
        return e.code === "RESOURCE_EXHAUSTED" && /1 workflow runs are already running/.test(e.message ?? "");
      });
      await h.engine.cancel(first.id);
      assert.equal((await h.engine.get(first.id)).status, "cancelled");
      h.upstream.answer = defaultAnswer;
      const second = await h.start({ input: { task: "u" } });
      await second.until("run_finished");
      assert.equal((await h.engine.get(second.id)).status, "succeeded");
    } finally {
      await h.stop();
    }
  });

  test("a gateway stopping leaves its runs unfinished; the next start resumes them without repeating completed steps", async () => {
    const upstream = new FakeUpstream(hangOn("review"));
    const h = await startEngine({}, upstream);
    let h2: Awaited<ReturnType<typeof h.restart>> | undefined;
    try {
      const run = await h.start({ input: { task: "t" } });
      // Plan and code done (checkpointed: review has started after them); review hangs.
      await run.until("step_started", "review");
      upstream.answer = defaultAnswer;
      h2 = await h.restart();
      await h2.next(run.id, "run_finished");
      const view = await h2.engine.get(run.id);
      assert.equal(view.status, "succeeded");
      assert.deepEqual(upstream.actions(), ["plan", "code", "review", "review", "execute"]);
      assert.deepEqual(
        view.steps.map((s) => s.step),
        ["plan", "code", "review", "execute"],
      );
    } finally {
      await (h2 ?? h).stop();
    }
  });

  test("a step's timeoutMs bounds its agent call; other steps get workflow.stepTimeoutMs, never past the run's deadline", async () => {
    const h = await startEngine({
      SYNAPSE_WORKFLOW_STEP_TIMEOUT_MS: "7000",
      SYNAPSE_WORKFLOW_DEADLINE_MS: "10000",
    });
    try {
      await h.engine.register({
        name: "timed",
        steps: [
          { id: "a", agent: "claude", action: "plan", input: { task: "x" }, timeoutMs: 2000 },
          { id: "b", agent: "claude", action: "plan", input: { task: "y" } },
          { id: "c", agent: "claude", action: "plan", input: { task: "z" }, timeoutMs: 60000 },
        ],
      });
      const start = h.clock.now();
      const run = await h.start({ workflow: "timed", input: {} });
      await run.until("run_finished");
      assert.deepEqual(h.upstream.deadlines, [start + 2000, start + 7000, start + 10000]);
    } finally {
      await h.stop();
    }
  });

  test("workflow.requireApproval makes runs wait before execute unless a run says approval: false", async () => {
    const h = await startEngine({ SYNAPSE_WORKFLOW_REQUIRE_APPROVAL: "true" });
    try {
      const gated = await h.start({ input: { task: "t" } });
      await gated.until("awaiting_approval");
      assert.equal((await h.engine.get(gated.id)).awaiting, "execute");
      const free = await h.start({ input: { task: "t" }, approval: false });
      await free.until("run_finished");
      assert.equal((await h.engine.get(free.id)).status, "succeeded");
      await h.engine.approve(gated.id);
      await gated.until("run_finished");
      assert.equal((await h.engine.get(gated.id)).status, "succeeded");
      await assert.rejects(h.engine.approve(gated.id), /is succeeded, not awaiting approval/);
    } finally {
      await h.stop();
    }
  });
});
