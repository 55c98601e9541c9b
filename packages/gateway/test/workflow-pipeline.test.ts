import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Cluster, readSse, startCluster } from "./helpers/cluster.js";
import { allCalls, getRun, type Json, postJson, waitForRun } from "./helpers/workflow.js";

let cluster: Cluster;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

describe("workflow: the default pipeline on sim", () => {
  test("POST answers 202 at once; the run goes plan → code → review → execute and holds every output", async () => {
    const res = await postJson(`${cluster.url}/api/v1/workflow`, {
      task: "Add a --json flag to the CLI and test it",
    });
    assert.equal(res.status, 202);
    const accepted = (await res.json()) as { id: string; status: string; links: { self: string } };
    assert.match(accepted.id, /^wf_[0-9a-f]{24}$/);
    assert.equal(accepted.status, "running");
    assert.equal(res.headers.get("location"), `/api/v1/workflow/${accepted.id}`);
    const run = await waitForRun(cluster.url, accepted.id);
    assert.equal(run.status, "succeeded", JSON.stringify(run.error));
    assert.deepEqual(
      run.steps.map((s) => `${s.agent}.${s.action}`),
      ["claude.plan", "claude.code", "gemini.review", "codex.execute"],
    );
    for (const step of run.steps) {
      assert.equal(step.status, "succeeded");
      assert.ok(step.durationMs >= 0);
      assert.equal(step.output?.provider, "sim");
    }
    assert.deepEqual(Object.keys(run.result ?? {}).sort(), ["code", "execute", "plan", "review"]);
    assert.ok(((run.result?.plan?.result as { steps?: unknown[] } | undefined)?.steps?.length ?? 0) >= 3);
    assert.equal((run.result?.review?.result as Json | undefined)?.verdict, "approve");
    assert.deepEqual(run.rounds, {});
  });

  test("with Accept: text/event-stream the progress streams: step started, chunks, step finished, run finished", async () => {
    const res = await postJson(
      `${cluster.url}/api/v1/workflow`,
      { task: "Write a slugify function" },
      { accept: "text/event-stream" },
    );
    assert.equal(res.status, 200);
    const runId = res.headers.get("x-run-id") ?? "";
    const events = await readSse(res);
    const kinds = events.map((e) => e.event);
    assert.equal(kinds[0], "run_started");
    assert.equal(kinds.at(-1), "run_finished");
    assert.equal((events.at(-1)?.data as Json | undefined)?.status, "succeeded");
    const started = events.filter((e) => e.event === "step_started").map((e) => (e.data as Json).step);
    assert.deepEqual(started, ["plan", "code", "review", "execute"]);
    // Each step's chunks, joined, are exactly its output's text.
    const run = await getRun(cluster.url, runId);
    for (const step of run.steps) {
      const text = events
        .filter((e) => e.event === "chunk" && (e.data as Json).step === step.step)
        .map((e) => (e.data as Json).text)
        .join("");
      assert.equal(text, step.output?.text, `${step.step} chunks`);
    }
    assert.ok(events.every((e) => e.id?.startsWith(`${runId}:`)));
  });

  test("the review loop takes the request-changes branch twice, then approves (rounds counted)", async () => {
    const before = await allCalls(cluster.metricsPort);
    const res = await postJson(`${cluster.url}/api/v1/workflow`, {
      task: "Add a cache layer [sim:request-changes=2]",
    });
    const { id } = (await res.json()) as { id: string };
    const run = await waitForRun(cluster.url, id);
    assert.equal(run.status, "succeeded", JSON.stringify(run.error));
    assert.deepEqual(run.rounds, { review: 2 });
    assert.deepEqual(
      run.steps.map((s) => `${s.step}#${s.round}`),
      ["plan#1", "code#1", "review#1", "code#2", "review#2", "code#3", "review#3", "execute#1"],
    );
    const verdicts = run.steps.filter((s) => s.step === "review").map((s) => s.output?.result.verdict);
    assert.deepEqual(verdicts, ["request_changes", "request_changes", "approve"]);
    const after = await allCalls(cluster.metricsPort);
    assert.equal((after.code ?? 0) - (before.code ?? 0), 3);
    assert.equal((after.review ?? 0) - (before.review ?? 0), 3);
    const metrics = await (await fetch(`${cluster.url}/metrics`)).text();
    assert.match(metrics, /^synapse_workflow_review_rounds_bucket\{le="2"\} [1-9]/m);
    assert.match(metrics, /^synapse_workflow_runs_total\{workflow="default",status="succeeded"\} [1-9]/m);
    assert.match(
      metrics,
      /^synapse_workflow_step_duration_seconds_count\{workflow="default",step="review"\} [1-9]/m,
    );
    assert.match(metrics, /^synapse_workflow_runs_active 0/m);
  });

  test("runs are listed newest first, paginated by cursor", async () => {
    const ids: string[] = [];
    for (const task of ["one", "two", "three"]) {
      const { id } = (await (
        await postJson(`${cluster.url}/api/v1/workflow`, { task: `List ${task}` })
      ).json()) as { id: string };
      ids.push(id);
      await waitForRun(cluster.url, id);
    }
    const page1 = (await (await fetch(`${cluster.url}/api/v1/workflow?limit=2`)).json()) as {
      runs: { id: string }[];
      nextCursor?: string;
    };
    assert.deepEqual(
      page1.runs.map((r) => r.id),
      [ids[2], ids[1]],
    );
    assert.ok(page1.nextCursor);
    const page2 = (await (
      await fetch(`${cluster.url}/api/v1/workflow?limit=2&cursor=${page1.nextCursor}`)
    ).json()) as { runs: { id: string }[] };
    assert.equal(page2.runs[0]?.id, ids[0]);
    const missing = await fetch(`${cluster.url}/api/v1/workflow/wf_nope`);
    assert.equal(missing.status, 404);
    const bad = await postJson(`${cluster.url}/api/v1/workflow`, { workflow: "default" });
    assert.equal(bad.status, 400);
  });
});
