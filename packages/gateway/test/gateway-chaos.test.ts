import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hashText } from "@synapse/core";
import { type Cluster, readSse, startCluster } from "./helpers/cluster.js";

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({
    replicas: { claude: 2, gemini: 3 },
    // Streams slow enough to kill a replica in the middle of one: a plan is ~80 tokens, about a
    // second at 100/s, so finding the serving replica through /metrics on a loaded machine still
    // lands mid-stream (at 300/s the stream could end first).
    env: { SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "100" },
  });
});
after(async () => {
  await cluster?.stop();
});

/** The replica of `agent` with a call in flight, read from each replica's own /metrics. */
async function servingReplica(agent: "claude", replicas: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (let i = 0; i < replicas; i++) {
      const text = await (await fetch(`http://127.0.0.1:${cluster.metricsPort(agent, i)}/metrics`)).text();
      const m = /^synapse_service_calls_in_flight\{[^}]*\} (\d+)/m.exec(text);
      if (m && Number(m[1]) > 0) return i;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("no replica has the stream");
}

describe("gateway under faults", () => {
  test("SSE: the serving replica SIGKILLed mid-stream — the stream continues on another, byte-identical", async () => {
    const reference = await fetch(`${cluster.url}/api/v1/claude/plan`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "Plan a resilient migration of a large service" }),
    });
    const expected = ((await reference.json()) as { text: string }).text;

    const res = await fetch(`${cluster.url}/api/v1/claude/plan`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ task: "Plan a resilient migration of a large service" }),
    });
    const streamId = res.headers.get("x-stream-id")!;
    const head = await readSse(res, 3);
    const during = await (await fetch(`${cluster.url}/metrics`)).text();
    assert.match(during, /^synapse_gateway_active_streams 1$/m, "the stream runs on with no reader");
    const victim = await servingReplica("claude", 2);
    cluster.children.get(`claude#${victim}`)?.kill("SIGKILL");
    const resumed = await fetch(`${cluster.url}/api/v1/streams/${streamId}`, {
      headers: { "last-event-id": head.at(-1)!.id! },
    });
    const tail = await readSse(resumed);
    const chunks = [...head, ...tail].filter((e) => e.event === "chunk");
    assert.deepEqual(
      chunks.map((c) => (c.data as { seq: number }).seq),
      chunks.map((_, i) => i + 1),
      "no gap, no duplicate",
    );
    const text = chunks.map((c) => (c.data as { text: string }).text).join("");
    assert.equal(text, expected, "byte-identical to an undisturbed answer");
    const final = tail.at(-1)!;
    assert.equal(final.event, "final");
    assert.equal((final.data as { hash: string }).hash, hashText(expected));
    const metrics = await (await fetch(`${cluster.url}/metrics`)).text();
    assert.match(
      metrics,
      /^synapse_gateway_stream_resumes_total\{by="upstream"\} [1-9]/m,
      "continued upstream",
    );
    await cluster.startReplica("claude", victim);
  });

  test("one of three replicas SIGKILLed under a bounded 200 req/s for 10 s: zero failed requests", async () => {
    const rate = 200;
    const seconds = 10;
    const total = rate * seconds;
    const failures: string[] = [];
    let done = 0;
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    let killed = false;
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!killed && i >= total / 3) {
        killed = true;
        cluster.children.get("gemini#1")?.kill("SIGKILL");
      }
      inFlight.push(
        fetch(`${cluster.url}/api/v1/gemini/analyze`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: `request ${i}: eval(x)` }),
        }).then(
          async (r) => {
            const body = (await r.json()) as { fallback?: unknown };
            if (r.status !== 200) failures.push(`${i}: HTTP ${r.status} ${JSON.stringify(body)}`);
            else if (body.fallback) failures.push(`${i}: answered by fallback`);
            done++;
          },
          (err: unknown) => {
            failures.push(`${i}: ${(err as Error).message}`);
          },
        ),
      );
    }
    await Promise.all(inFlight);
    assert.equal(done, total);
    assert.deepEqual(failures, []);
  });
});
