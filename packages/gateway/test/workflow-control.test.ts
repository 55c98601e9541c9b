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

const post = (path: string, body: unknown = {}) => postJson(`${cluster.url}${path}`, body);

describe("workflow: human approval before execute", () => {
  test("a run with approval waits in awaiting_approval before execute; approve lets it finish", async () => {
    const { id } = (await (
      await post("/api/v1/workflow", { task: "Add a health check", approval: true })
    ).json()) as { id: string };
    const waiting = await waitForRun(cluster.url, id, (r) => r.status !== "running");
    assert.equal(waiting.status, "awaiting_approval");
    assert.equal(waiting.awaiting, "execute");
    assert.deepEqual(
      waiting.steps.map((s) => s.step),
      ["plan", "code", "review"],
    );
    const executes = (await allCalls(cluster.metricsPort)).execute ?? 0;

    const approved = await post(`/api/v1/workflow/${id}/approve`);
    assert.equal(approved.status, 200);
    const done = await waitForRun(cluster.url, id);
    assert.equal(done.status, "succeeded", JSON.stringify(done.error));
    assert.deepEqual(
      done.steps.map((s) => s.step),
      ["plan", "code", "review", "execute"],
    );
    assert.equal(((await allCalls(cluster.metricsPort)).execute ?? 0) - executes, 1);

    const again = await post(`/api/v1/workflow/${id}/approve`);
    assert.equal(again.status, 412);
    assert.match(
      ((await again.json()) as { error: Json }).error.message as string,
      /is succeeded, not awaiting approval/,
    );
  });

  test("reject ends the run as rejected without running execute", async () => {
    const { id } = (await (
      await post("/api/v1/workflow", { task: "Drop the users table", approval: true })
    ).json()) as { id: string };
    await waitForRun(cluster.url, id, (r) => r.status === "awaiting_approval");
    const executes = (await allCalls(cluster.metricsPort)).execute ?? 0;
    const rejected = await post(`/api/v1/workflow/${id}/reject`);
    assert.equal(rejected.status, 200);
    const run = (await rejected.json()) as { status: string; error?: Json };
    assert.equal(run.status, "rejected");
    assert.equal(run.error?.code, "ABORTED");
    assert.match(run.error?.message as string, /rejected before step "execute"/);
    assert.equal((await allCalls(cluster.metricsPort)).execute ?? 0, executes, "execute never ran");
    assert.deepEqual(
      (await getRun(cluster.url, id)).steps.map((s) => s.step),
      ["plan", "code", "review"],
    );
  });

  test("GET …/events follows a run: its state first, then live events until it finishes", async () => {
    const { id } = (await (
      await post("/api/v1/workflow", { task: "Add a flag", approval: true })
    ).json()) as { id: string };
    await waitForRun(cluster.url, id, (r) => r.status === "awaiting_approval");
    const res = await fetch(`${cluster.url}/api/v1/workflow/${id}/events`);
    assert.equal(res.status, 200);
    assert.equal((await post(`/api/v1/workflow/${id}/approve`)).status, 200);
    const events = await readSse(res);
    assert.equal(events[0]?.event, "run");
    assert.equal((events[0]?.data as Json | undefined)?.status, "awaiting_approval");
    assert.deepEqual(
      events.filter((e) => e.event.startsWith("step_")).map((e) => `${e.event}:${(e.data as Json).step}`),
      ["step_started:execute", "step_finished:execute"],
    );
    assert.equal((events.at(-1)?.data as Json | undefined)?.status, "succeeded");
    const again = await readSse(await fetch(`${cluster.url}/api/v1/workflow/${id}/events`));
    assert.deepEqual(
      again.map((e) => e.event),
      ["run"],
      "a finished run: its state, then the end",
    );
    assert.equal((await fetch(`${cluster.url}/api/v1/workflow/wf_missing/events`)).status, 404);
  });

  test("approve and cancel of an unknown run are 404", async () => {
    assert.equal((await post("/api/v1/workflow/wf_missing/approve")).status, 404);
    assert.equal((await post("/api/v1/workflow/wf_missing/cancel")).status, 404);
  });
});
