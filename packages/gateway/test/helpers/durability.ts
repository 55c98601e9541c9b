/**
 * The durability scenario, for each checkpointer: a gateway process runs a workflow, is SIGKILLed
 * in the middle of the `code` step's stream, and is started again on the same state. The run must
 * finish with no completed step run again (counted at the services), completed outputs intact,
 * and the cut step picking its stream up after the stored chunks; run history survives too.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster } from "./cluster.js";
import { startGatewayChild } from "./gateway-child.js";
import { allCalls, getRun, type Json, postJson, waitForRun } from "./workflow.js";

type SseEvent = { event: string; data: Json };

/** Reads SSE events until `stop` says so; then lets go of the response. */
async function readSseUntil(response: Response, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
  let buffer = "";
  try {
    while (!stop(events)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early: ${JSON.stringify(events.map((e) => e.event))}`);
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0 && !stop(events); end = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Json });
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}

const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)])
      .filter(([, n]) => n !== 0),
  );

export async function killMidRunAndResume(cluster: Cluster, extraEnv: Record<string, string>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "synapse-gw-kill-"));
  const env = { ...cluster.env, SYNAPSE_DATA_DIR: dataDir, SYNAPSE_LOG_LEVEL: "error", ...extraEnv };
  let gateway = await startGatewayChild(env);
  try {
    // History from before the kill: a finished run, and a registered workflow.
    await postJson(`${gateway.url}/api/v1/workflows`, {
      name: "quick",
      inputs: ["text"],
      steps: [{ id: "look", agent: "gemini", action: "analyze", input: { text: "{{input.text}}" } }],
    });
    const quick = (await (
      await postJson(`${gateway.url}/api/v1/workflow`, { workflow: "quick", input: { text: "x = 1" } })
    ).json()) as { id: string };
    const quickBefore = await waitForRun(gateway.url, quick.id);
    assert.equal(quickBefore.status, "succeeded");

    const before = await allCalls(cluster.metricsPort);
    const res = await postJson(
      `${gateway.url}/api/v1/workflow`,
      { task: "Add a --json flag to the CLI and test it" },
      { accept: "text/event-stream" },
    );
    const runId = res.headers.get("x-run-id") ?? "";
    const codeChunks = (events: SseEvent[]) =>
      events.filter((e) => e.event === "chunk" && e.data.step === "code").length;
    const seen = await readSseUntil(res, (events) => codeChunks(events) >= 3);
    const plan = seen.find((e) => e.event === "step_finished" && e.data.step === "plan")?.data.output as Json;
    assert.ok(plan, "plan finished before the kill");

    await gateway.kill();
    // (The cut code call is counted by its service once it notices; the totals below include it.)
    assert.equal(diff(await allCalls(cluster.metricsPort), before).plan, 1, "plan ran before the kill");

    gateway = await startGatewayChild(env); // same state: it resumes the run on start-up
    const run = await waitForRun(gateway.url, runId, undefined, 60_000);
    assert.equal(run.status, "succeeded", JSON.stringify(run.error));
    assert.deepEqual(
      run.steps.map((s) => s.step),
      ["plan", "code", "review", "execute"],
    );
    // No completed step ran again: plan once; code twice only because its first stream was cut.
    assert.deepEqual(diff(await allCalls(cluster.metricsPort), before), {
      plan: 1,
      code: 2,
      review: 1,
      execute: 1,
    });
    const planStep = run.steps[0];
    assert.equal(planStep?.output?.text, plan.text, "plan's output is intact");
    assert.deepEqual(planStep?.output?.result, plan.result);
    const code = run.steps[1];
    assert.ok(
      (code?.resumed?.afterSeq ?? 0) >= 3,
      `code picked up after its stored chunks: ${JSON.stringify(code?.resumed)}`,
    );
    assert.equal(code?.resumed?.continued, true, "the new answer continued the stored text");

    const history = await getRun(gateway.url, quick.id);
    assert.equal(history.status, "succeeded");
    assert.deepEqual(
      history.steps[0]?.output,
      quickBefore.steps[0]?.output,
      "run history survives the restart",
    );
    const list = (await (await fetch(`${gateway.url}/api/v1/workflow?limit=10`)).json()) as {
      runs: { id: string }[];
    };
    assert.deepEqual(
      list.runs.map((r) => r.id),
      [runId, quick.id],
    );
    assert.equal(
      (await fetch(`${gateway.url}/api/v1/workflows/quick`)).status,
      200,
      "registered workflows survive",
    );
  } finally {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
