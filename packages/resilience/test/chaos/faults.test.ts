// ResilientClient against two real claude replicas (sim, as fast as it goes), each behind its own
// fault proxy, over gRPC and over JSON-RPC/TCP. Each test injects one fault into replica A's
// proxy and checks what the caller sees and what each layer did. "Outcomes" are the transport
// attempts in order, so they say exactly which replica answered and which never saw a request.
import assert from "node:assert/strict";
import { after, before, describe, type TestContext, test } from "node:test";
import { MemoryCheckpointStore } from "../../src/index.js";
import { type ChaosClientOptions, chaosClient } from "../helpers/chaos-client.js";
import { FaultProxy } from "../helpers/fault-proxy.js";
import { recordEvents } from "../helpers/recorded-events.js";
import { Replicas, TRANSPORTS, type TransportName } from "../helpers/replicas.js";
import { assertIntact, collect, LONG_TASK, referenceOf } from "../helpers/streams.js";
import { waitFor } from "../helpers/wait.js";

const task = (i: number) => ({ task: `write the release notes, part ${i}` });

/** Plan is idempotent, so a timed-out attempt may run again elsewhere (the advice). */
const RETRY_TIMEOUTS = { retryableCodes: ["UNAVAILABLE", "DEADLINE_EXCEEDED"] as const };

describe("chaos: faults between ResilientClient and real replicas", () => {
  let replicas: Replicas;
  before(async () => {
    replicas = await Replicas.start(2);
    // A replica's first calls are slow (cold code paths); the tight budgets below are for warm ones.
    for (const transport of TRANSPORTS) {
      const warm = chaosClient(transport, replicas.endpoints(transport));
      for (let i = 0; i < 4; i++) await warm.client.invoke("claude", "plan", task(i));
      await warm.close();
    }
  });
  after(() => replicas.stop());

  /** Proxies A and B in front of replicas 0 and 1, and a client over them; all stopped after the test. */
  async function rig(t: TestContext, transport: TransportName, options: ChaosClientOptions = {}) {
    const a = await FaultProxy.start(replicas.port(0, transport));
    const b = await FaultProxy.start(replicas.port(1, transport));
    // random 0.5: jitter factor exactly 1, so backoff is the plain schedule.
    const chaos = chaosClient(transport, [a.address, b.address], { random: () => 0.5, ...options });
    t.after(async () => {
      await Promise.all([a.close(), b.close()]);
      await chaos.close();
    });
    const events = recordEvents(chaos.client.events);
    const A = a.address;
    const B = b.address;
    return { a, b, A, B, events, ...chaos };
  }

  for (const transport of TRANSPORTS) {
    describe(transport, () => {
      test("a blackholed replica times out until its breaker opens; then calls go straight to the healthy one", async (t) => {
        const { a, A, B, client, outcomes, events } = await rig(t, transport, {
          options: {
            timeout: { defaultMs: 500, floorMs: 100 },
            retry: RETRY_TIMEOUTS,
            breaker: { consecutiveFailures: 3 },
          },
        });
        // Warm: one call to each (round robin), so A's connection is up before it goes dark.
        await client.invoke("claude", "plan", task(0));
        await client.invoke("claude", "plan", task(1));
        assert.deepEqual(outcomes.splice(0), [`${A} ok`, `${B} ok`]);

        a.setFault({ kind: "blackhole" });
        for (let i = 0; i < 3; i++) {
          const r = await client.invoke("claude", "plan", task(2 + i));
          assert.equal(r.fallback, undefined);
        }
        assert.deepEqual(outcomes.splice(0), [
          `${A} DEADLINE_EXCEEDED`,
          `${B} ok`,
          `${A} DEADLINE_EXCEEDED`,
          `${B} ok`,
          `${A} DEADLINE_EXCEEDED`,
          `${B} ok`,
        ]);
        assert.deepEqual(
          events.timeout.map((e) => [e.endpoint, e.phase, e.budgetMs]),
          [
            [A, "unary", 500],
            [A, "unary", 500],
            [A, "unary", 500],
          ],
        );
        assert.deepEqual(
          events.breaker.map((e) => [e.endpoint, e.from, e.to]),
          [[A, "CLOSED", "OPEN"]],
        );

        // Open: A is skipped without a byte sent to it; every call is answered by B.
        const seen = a.stats.receivedUp;
        for (let i = 0; i < 3; i++) {
          const r = await client.invoke("claude", "plan", task(5 + i));
          assert.equal(r.fallback, undefined);
        }
        assert.deepEqual(outcomes, [`${B} ok`, `${B} ok`, `${B} ok`]);
        assert.equal(a.stats.receivedUp, seen);
        assert.equal(events.timeout.length, 3);
        assert.deepEqual(client.chain.breakers.states(), { [A]: "OPEN", [B]: "CLOSED" });
      });

      test("a connection reset under a call in flight fails it UNAVAILABLE and it is retried on the other replica", async (t) => {
        const { a, A, B, client, outcomes, events } = await rig(t, transport);
        await client.invoke("claude", "plan", task(0));
        await client.invoke("claude", "plan", task(1));
        outcomes.splice(0);

        // A's answer is held at the proxy, so the call is in flight when the reset comes.
        a.setFault({ kind: "latency", downMs: 60_000 });
        const up = a.stats.forwardedUp;
        const down = a.stats.receivedDown;
        const pending = client.invoke("claude", "plan", task(2));
        await waitFor(
          "the request at A and its answer held",
          () => a.stats.forwardedUp > up && a.stats.receivedDown > down,
        );
        a.setFault({ kind: "reset" });
        const r = await pending;
        assert.equal(r.fallback, undefined);
        assert.equal(r.provider, "sim");
        assert.deepEqual(outcomes.splice(0), [`${A} UNAVAILABLE`, `${B} ok`]);
        assert.deepEqual(
          events.retry.map((e) => [e.endpoint, e.code]),
          [[A, "UNAVAILABLE"]],
        );

        // While A resets every new connection, its calls fail the same way and go to B.
        const again = await client.invoke("claude", "plan", task(3));
        assert.equal(again.fallback, undefined);
        assert.deepEqual(outcomes, [`${A} UNAVAILABLE`, `${B} ok`]);
        assert.ok(a.stats.resets >= 2, `A reset ${a.stats.resets} connection(s)`);
      });

      test("a slow close stalls the call until the connection closes; then it fails UNAVAILABLE and is retried", async (t) => {
        const { a, A, B, client, outcomes } = await rig(t, transport);
        await client.invoke("claude", "plan", task(0));
        await client.invoke("claude", "plan", task(1));
        outcomes.splice(0);

        a.setFault({ kind: "slow-close", afterMs: 200 });
        const r = await client.invoke("claude", "plan", task(2));
        assert.equal(r.fallback, undefined);
        assert.deepEqual(outcomes, [`${A} UNAVAILABLE`, `${B} ok`]);
        assert.ok(a.stats.slowCloses >= 1);
      });

      test("a stream cut after N bytes continues on the other replica: byte-identical, no gap, no repeat", async (t) => {
        // The clean run, straight to replica 1.
        const direct = chaosClient(transport, [replicas.endpoints(transport)[1]!]);
        const reference = referenceOf(await collect(direct.client.stream("claude", "code", LONG_TASK)));
        await direct.close();
        assert.ok(reference.lastSeq >= 1_000, `the stream has ${reference.lastSeq} chunks`);

        const { a, A, B, client, outcomes, events } = await rig(t, transport, {
          checkpointStore: new MemoryCheckpointStore(),
        });
        a.setFault({ kind: "cut", afterBytes: 16_000 });
        const received = await collect(client.stream("claude", "code", LONG_TASK));

        assertIntact(received, reference);
        assert.equal(a.stats.cuts, 1);
        assert.deepEqual(outcomes, [`${A} ok`, `${B} ok`], "opened on A, continued on B");
        assert.equal(events.continuation.length, 1);
        const [cont] = events.continuation;
        assert.equal(cont?.endpoint, A);
        assert.equal(cont?.code, "UNAVAILABLE");
        assert.ok(
          cont !== undefined && cont.afterSeq > 0 && cont.afterSeq < reference.lastSeq,
          `cut mid-stream, after seq ${cont?.afterSeq} of ${reference.lastSeq}`,
        );
      });

      test("latency beyond the adaptive budget times the attempt out, and it is retried on the other replica", async (t) => {
        const defaultMs = 10_000;
        const latencyMs = 5_000;
        const { a, A, B, client, outcomes, events } = await rig(t, transport, {
          options: { timeout: { defaultMs, minSamples: 10, floorMs: 300 }, retry: RETRY_TIMEOUTS },
        });
        // Ten samples per replica (round robin): from here on the budget is adaptive.
        for (let i = 0; i < 20; i++) await client.invoke("claude", "plan", task(i));
        const budget = client.chain.timeouts.budget("unary", {
          agent: "claude",
          action: "plan",
          endpoint: A,
        });
        assert.ok(budget < defaultMs, `the budget adapted to ${budget} ms`);
        outcomes.splice(0);

        a.setFault({ kind: "latency", upMs: latencyMs / 2, downMs: latencyMs / 2 });
        const started = Date.now();
        const r = await client.invoke("claude", "plan", task(20));
        const elapsed = Date.now() - started;
        assert.equal(r.fallback, undefined);
        assert.deepEqual(outcomes, [`${A} DEADLINE_EXCEEDED`, `${B} ok`]);
        assert.deepEqual(
          events.timeout.map((e) => [e.endpoint, e.budgetMs]),
          [[A, budget]],
        );
        // The point of the budget: the caller did not wait out the slow replica.
        assert.ok(elapsed < latencyMs, `answered in ${elapsed} ms`);
      });
    });
  }
});
