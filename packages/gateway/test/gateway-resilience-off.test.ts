import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ConfigError, createLogger, hashText, loadConfig } from "@synapse/core";
import { type RunningGateway, runGateway } from "../src/gateway-process.js";
import { type Cluster, readSse, startCluster } from "./helpers/cluster.js";

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({
    replicas: { claude: 2 },
    env: {
      SYNAPSE_GATEWAY_RESILIENCE: "off",
      SYNAPSE_CLAUDE_BALANCER: "round_robin",
      // Replica 1 fails every call with UNAVAILABLE; its health stays SERVING.
      SYNAPSE_CLAUDE_SIM_ERROR_RATE: "1",
      SYNAPSE_CLAUDE_SIM_FAULT_REPLICAS: "1",
    },
  });
});
after(async () => {
  await cluster?.stop();
});

async function plan(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/claude/plan`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task: "Add a health endpoint" }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("SYNAPSE_GATEWAY_RESILIENCE", () => {
  test("defaults to on and accepts only on or off", () => {
    assert.equal(loadConfig({}).gateway.resilience, "on");
    assert.equal(loadConfig({ SYNAPSE_GATEWAY_RESILIENCE: "off" }).gateway.resilience, "off");
    assert.throws(() => loadConfig({ SYNAPSE_GATEWAY_RESILIENCE: "maybe" }), ConfigError);
  });

  test("off: a failing replica's errors reach the client (no retry); on: they are retried away", async () => {
    const off: number[] = [];
    for (let i = 0; i < 4; i++) off.push(await plan(cluster.url));
    assert.ok(off.includes(200), `some calls go to the good replica: ${off}`);
    assert.ok(off.includes(503), `some fail on the bad one, unretried: ${off}`);

    let on: RunningGateway | undefined;
    try {
      const config = loadConfig({ ...cluster.env, SYNAPSE_GATEWAY_RESILIENCE: "on" });
      on = await runGateway(config, createLogger({ name: "gateway-on", level: "warn", format: "json" }));
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await plan(`http://127.0.0.1:${on.port}`));
      assert.deepEqual(statuses, [200, 200, 200, 200]);
    } finally {
      await on?.stop();
    }
  });

  test("off: streams still go through the checkpoint layer (SSE with ids, final hash)", async () => {
    let events: { id?: string; event: string; data: unknown }[] = [];
    // Round robin: one of two consecutive streams lands on the good replica.
    for (let i = 0; i < 2 && !events.some((e) => e.event === "final"); i++) {
      const res = await fetch(`${cluster.url}/api/v1/claude/plan`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ task: "Add a health endpoint" }),
      });
      if (res.ok) events = await readSse(res);
      else await res.arrayBuffer();
    }
    const chunks = events.filter((e) => e.event === "chunk");
    const final = events.find((e) => e.event === "final");
    assert.ok(final, "a stream completed");
    assert.ok(
      chunks.length > 0 && chunks.every((c) => /:\d+$/.test(c.id ?? "")),
      "chunks carry streamId:seq ids",
    );
    const text = chunks.map((c) => (c.data as { text: string }).text).join("");
    assert.equal((final.data as { hash: string }).hash, hashText(text));
  });
});
