// Stream resume with real replicas, over gRPC and JSON-RPC/TCP: a 1,000-chunk sim stream (paced
// at 1,000 tokens/s, so it is still running when the fault comes) survives its consumer leaving
// at a random chunk, and the SIGKILL of the replica serving it; a stream past its TTL is NOT_FOUND.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FakeClock, type StreamEvent, SynapseError } from "@synapse/core";
import { MemoryCheckpointStore, SqliteCheckpointStore } from "../../src/index.js";
import { chaosClient } from "../helpers/chaos-client.js";
import { recordEvents } from "../helpers/recorded-events.js";
import { Replicas, TRANSPORTS } from "../helpers/replicas.js";
import { assertIntact, collect, LONG_TASK, type Reference, referenceOf } from "../helpers/streams.js";

/** A chunk index in [from, to], logged so a failing run can be replayed. */
function randomChunk(t: { diagnostic(message: string): void }, from: number, to: number): number {
  const k = from + Math.floor(Math.random() * (to - from + 1));
  t.diagnostic(`fault at chunk ${k}`);
  return k;
}

describe("chaos: stream resume with real replicas", () => {
  let replicas: Replicas;
  let reference: Reference;
  const dir = mkdtempSync(join(tmpdir(), "synapse-resume-"));

  before(async () => {
    replicas = await Replicas.start(2, { env: { SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "1000" } });
    const clean = chaosClient("tcp", replicas.endpoints("tcp"));
    reference = referenceOf(await collect(clean.client.stream("claude", "code", LONG_TASK)));
    await clean.close();
    assert.ok(reference.lastSeq >= 1_000, `the stream has ${reference.lastSeq} chunks`);
  });
  after(async () => {
    await replicas.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of TRANSPORTS) {
    describe(transport, () => {
      test("a consumer that leaves at a random chunk resumes from the SQLite checkpoint store: byte-identical", async (t) => {
        const store = new SqliteCheckpointStore({ filename: join(dir, `${transport}.db`) });
        const chaos = chaosClient(transport, replicas.endpoints(transport), { checkpointStore: store });
        t.after(async () => {
          await chaos.close();
          await store.close();
        });
        const k = randomChunk(t, 1, reference.lastSeq - 1);
        const first: StreamEvent[] = [];
        for await (const e of chaos.client.stream("claude", "code", LONG_TASK)) {
          first.push(e);
          if (e.type === "chunk" && e.seq === k) break; // the consumer goes away; the stream does not
        }
        const streamId = first[0]?.streamId ?? "";
        const before = first.map((e) => (e.type === "chunk" ? e.text : "")).join("");
        assert.equal(first.length, k);

        const rest = await collect(chaos.client.resume(streamId, k));
        assertIntact(rest, reference, { afterSeq: k, before });
        // And from the start, once more, out of the store alone.
        assertIntact(await collect(chaos.client.resume(streamId, 0)), reference);
      });

      test("SIGKILL of the replica serving a stream: it continues on the other replica, byte-identical", async (t) => {
        const chaos = chaosClient(transport, replicas.endpoints(transport), {
          checkpointStore: new MemoryCheckpointStore(),
        });
        const events = recordEvents(chaos.client.events);
        let killed: number | undefined;
        t.after(async () => {
          await chaos.close();
          if (killed !== undefined) await replicas.restart(killed);
        });
        // Early enough that the paced stream (about a second long) is surely still running.
        const k = randomChunk(t, 50, 500);
        const received: StreamEvent[] = [];
        for await (const e of chaos.client.stream("claude", "code", LONG_TASK)) {
          received.push(e);
          if (e.type === "chunk" && e.seq === k) {
            const serving = events.attempt[0]?.endpoint;
            killed = replicas.endpoints(transport).indexOf(serving ?? "");
            assert.ok(killed >= 0, `the stream is served by a known replica (${serving})`);
            await replicas.kill(killed);
          }
        }

        assertIntact(received, reference);
        const dead = replicas.endpoints(transport)[killed ?? -1];
        assert.deepEqual(
          events.continuation.map((e) => [e.endpoint, e.code]),
          [[dead, "UNAVAILABLE"]],
        );
        const afterSeq = events.continuation[0]?.afterSeq ?? 0;
        assert.ok(afterSeq >= k && afterSeq < reference.lastSeq, `continued after seq ${afterSeq}`);
        assert.equal(
          chaos.outcomes.filter((o) => o.startsWith(dead ?? "-")).length,
          1,
          "the dead replica got no second attempt",
        );
      });

      test("resuming a stream past its TTL is NOT_FOUND", async (t) => {
        const ttlMs = 60_000;
        const storeClock = new FakeClock();
        const store = new MemoryCheckpointStore({ ttlMs, clock: storeClock });
        const chaos = chaosClient(transport, replicas.endpoints(transport), { checkpointStore: store });
        t.after(() => chaos.close());
        const events = await collect(chaos.client.stream("claude", "plan", { task: "tag the release" }));
        const streamId = events[0]?.streamId ?? "";
        const whole = referenceOf(events);

        storeClock.advance(ttlMs);
        assertIntact(await collect(chaos.client.resume(streamId, 0)), whole);
        storeClock.advance(1);
        const notFound = (e: unknown) =>
          e instanceof SynapseError && e.code === "NOT_FOUND" && e.message.includes("unknown or expired");
        await assert.rejects(collect(chaos.client.resume(streamId, 0)), notFound);
        await assert.rejects(collect(chaos.client.resume("s_never_started", 0)), notFound);
      });
    });
  }
});
