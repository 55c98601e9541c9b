// One of three real replicas is SIGKILLed under a bounded load of idempotent unary calls through
// ResilientClient (100 calls/s for 5 s, open loop, loopback only), over gRPC and JSON-RPC/TCP:
// the caller sees no failed call and no fallback answer.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentResponse } from "@synapse/core";
import { chaosClient } from "../helpers/chaos-client.js";
import { recordEvents } from "../helpers/recorded-events.js";
import { Replicas, TRANSPORTS } from "../helpers/replicas.js";

const RATE_PER_SECOND = 100;
const DURATION_MS = 5_000;
const CALLS = (RATE_PER_SECOND * DURATION_MS) / 1_000;
/** The kill comes with this call, early enough that most of the load meets two replicas. */
const KILL_AT = CALLS * 0.3;

/**
 * Starts `fire(i)` for i = 0 … calls − 1 at `perSecond`, on schedule whatever the answers do (an
 * open loop: a slow answer does not slow the load down). Resolves when the last one was started.
 */
async function openLoop(perSecond: number, calls: number, fire: (i: number) => void): Promise<void> {
  const start = Date.now();
  for (let i = 0; i < calls; i++) {
    const due = start + (i * 1_000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    fire(i);
  }
}

describe("chaos: a replica killed under load", () => {
  let replicas: Replicas;
  before(async () => {
    replicas = await Replicas.start(3);
  });
  after(() => replicas.stop());

  for (const [n, transport] of TRANSPORTS.entries()) {
    test(`${transport}: SIGKILL of one of three replicas at ${RATE_PER_SECOND} calls/s loses no idempotent call`, async (t) => {
      const victim = 1 + n; // a different replica per transport; restarted afterwards
      const endpoints = replicas.endpoints(transport);
      const dead = endpoints[victim];
      const chaos = chaosClient(transport, endpoints);
      const events = recordEvents(chaos.client.events);
      t.after(async () => {
        await chaos.close();
        await replicas.restart(victim);
      });

      const calls: Promise<AgentResponse>[] = [];
      let killed: Promise<void> | undefined;
      await openLoop(RATE_PER_SECOND, CALLS, (i) => {
        if (i === KILL_AT) killed = replicas.kill(victim);
        calls.push(chaos.client.invoke("claude", "plan", { task: `write the release notes, part ${i}` }));
      });
      await killed;
      const settled = await Promise.allSettled(calls);

      const failed = settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []));
      assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${CALLS} calls failed`);
      const answers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
      const fallbacks = answers.filter((r) => r.fallback !== undefined);
      assert.equal(fallbacks.length, 0, `${fallbacks.length} calls were answered by a fallback`);
      assert.ok(
        answers.every((r) => r.provider === "sim"),
        "every answer came from a replica",
      );
      assert.equal(events.fallback.length, 0);

      // The kill was felt and hidden: attempts on the dead replica failed and went elsewhere,
      // and the survivors answered the rest.
      const retriedFromDead = events.retry.filter((e) => e.endpoint === dead);
      assert.ok(retriedFromDead.length >= 1, "some attempts met the dead replica and were retried");
      assert.ok(
        retriedFromDead.every((e) => e.code === "UNAVAILABLE"),
        `the dead replica failed attempts with ${[...new Set(retriedFromDead.map((e) => e.code))].join(", ")}`,
      );
      assert.ok(
        events.breaker.some((e) => e.endpoint === dead && e.to === "OPEN"),
        "the dead replica's breaker opened, so later calls skip it without network I/O",
      );
      const served = new Map<string, number>();
      for (const o of chaos.outcomes) {
        const [endpoint, outcome] = o.split(" ");
        if (outcome === "ok") served.set(endpoint ?? "", (served.get(endpoint ?? "") ?? 0) + 1);
      }
      const reachedDead = chaos.outcomes.filter((o) => o.startsWith(`${dead} `)).length;
      t.diagnostic(
        `served: ${JSON.stringify(Object.fromEntries(served))}; retries from the dead replica: ${retriedFromDead.length}, of which sent to it: ${reachedDead - (served.get(dead ?? "") ?? 0)}`,
      );
      assert.equal(
        [...served.values()].reduce((a, b) => a + b, 0),
        CALLS,
      );
      for (const [i, endpoint] of endpoints.entries()) {
        if (i !== victim)
          assert.ok((served.get(endpoint) ?? 0) > CALLS / 3, `${endpoint} took over its share`);
      }
    });
  }
});
