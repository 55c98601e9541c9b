import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { type Cluster, startCluster } from "./helpers/cluster.js";

let cluster: Cluster;

before(async () => {
  // Every claude call hangs until cancelled: only the client going away can end it.
  cluster = await startCluster({ env: { SYNAPSE_CLAUDE_SIM_HANG_RATE: "1" } });
});
after(async () => {
  await cluster?.stop();
});

/** Polls until `read` returns a value `done` accepts (a condition, not a timed sleep). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const inFlight = async () => {
  const text = await (await fetch(`http://127.0.0.1:${cluster.metricsPort("claude", 0)}/metrics`)).text();
  return Number(/^synapse_service_calls_in_flight\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
};

const cancelledAttempts = async () => {
  const text = await (await fetch(`${cluster.url}/metrics`)).text();
  const m =
    /^synapse_gateway_upstream_attempts_total\{[^}]*agent="claude"[^}]*outcome="CANCELLED"[^}]*\} (\d+)/m.exec(
      text,
    );
  return Number(m?.[1] ?? 0);
};

describe("a client that goes away", () => {
  for (const [path, body] of [
    ["/api/v1/claude/plan", { task: "Plan forever" }],
    ["/v1/chat/completions", { model: "claude:plan", messages: [{ role: "user", content: "Plan forever" }] }],
  ] as const) {
    test(`cancels its unary call upstream (${path})`, async () => {
      const before = await cancelledAttempts();
      const { port } = new URL(cluster.url);
      const req = request({
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      req.on("error", () => {});
      req.end(JSON.stringify(body));
      await until(inFlight, (n) => n > 0, "the call to reach the service");
      req.destroy();
      await until(inFlight, (n) => n === 0, "the service to see the cancel");
      await until(cancelledAttempts, (n) => n > before, "the attempt to end CANCELLED");
      assert.equal(await cancelledAttempts(), before + 1, "one attempt, not retried");
    });
  }
});
