import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Cluster, startCluster } from "./helpers/cluster.js";
import { type Json, postJson, waitForRun } from "./helpers/workflow.js";

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({
    // claude streams slowly enough that a run is mid-step when it is cancelled; one run at a time.
    env: { SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "20", SYNAPSE_WORKFLOW_MAX_CONCURRENT_RUNS: "1" },
  });
});
after(async () => {
  await cluster?.stop();
});

async function claudeMetrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${cluster.metricsPort("claude", 0)}/metrics`)).text();
}

describe("workflow: cancel and the concurrent-run limit", () => {
  test("one run too many is 429 RESOURCE_EXHAUSTED; cancel stops the run and its in-flight agent call", async () => {
    const first = (await (
      await postJson(`${cluster.url}/api/v1/workflow`, { task: "Plan a long migration" })
    ).json()) as { id: string };
    await waitForRun(cluster.url, first.id, (r) =>
      r.steps.some((s) => s.step === "plan" && s.status === "running"),
    );
    assert.match(await claudeMetrics(), /^synapse_service_calls_in_flight\{[^}]*\} 1$/m);

    const second = await postJson(`${cluster.url}/api/v1/workflow`, { task: "Another" });
    assert.equal(second.status, 429);
    assert.ok(Number(second.headers.get("retry-after")) >= 1);
    const error = ((await second.json()) as { error: Json }).error;
    assert.equal(error.code, "RESOURCE_EXHAUSTED");
    assert.match(
      error.message as string,
      /1 workflow runs are already running \(workflow\.maxConcurrentRuns\)/,
    );

    const cancelled = await postJson(`${cluster.url}/api/v1/workflow/${first.id}/cancel`, {});
    assert.equal(cancelled.status, 200);
    const run = (await cancelled.json()) as {
      status: string;
      error?: Json;
      steps: { step: string; status: string }[];
    };
    assert.equal(run.status, "cancelled");
    assert.equal(run.error?.code, "CANCELLED");
    assert.ok(!run.steps.some((s) => s.status === "succeeded"), "plan never finished");

    // The service saw its call cancelled (the abort reached it), long before the answer would have ended.
    for (let i = 0; ; i++) {
      const text = await claudeMetrics();
      if (/^synapse_service_calls_total\{[^}]*action="plan"[^}]*code="CANCELLED"[^}]*\} 1$/m.test(text)) {
        assert.match(text, /^synapse_service_calls_in_flight\{[^}]*\} 0$/m);
        break;
      }
      assert.ok(
        i < 100,
        `the plan call was not cancelled at the service:\n${text
          .split("\n")
          .filter((l) => l.includes("calls"))
          .join("\n")}`,
      );
      await new Promise((r) => setTimeout(r, 50));
    }

    const again = await postJson(`${cluster.url}/api/v1/workflow/${first.id}/cancel`, {});
    assert.equal(again.status, 412, "a finished run cannot be cancelled");
    const third = await postJson(`${cluster.url}/api/v1/workflow`, { task: "Now there is room" });
    assert.equal(third.status, 202);
    const { id } = (await third.json()) as { id: string };
    assert.equal((await postJson(`${cluster.url}/api/v1/workflow/${id}/cancel`, {})).status, 200);
  });
});
