/** The shared test suite of the CheckpointStore implementations (memory, SQLite, Redis). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Clock,
  FakeClock,
  hashText,
  type StreamCall,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import {
  type CheckpointStore,
  type ContinuationEvent,
  ResilienceEvents,
  resolveOptions,
  StreamCheckpointer,
} from "../../src/index.js";
import {
  chunkText,
  collect,
  fakeNext,
  fullText,
  request,
  response,
  seeded,
  simStream,
  streaming,
} from "./fakes.js";

/** Chunks in the long streams of the suite. */
export const N = 1_000;

/** Checks a consumer's view: seqs 1..n in order, then a final whose hash matches the text. */
export function assertWhole(events: StreamEvent[], n: number): void {
  const chunks = events.filter((e) => e.type === "chunk");
  assert.deepEqual(
    chunks.map((c) => c.seq),
    Array.from({ length: n }, (_, i) => i + 1),
    "no gap, no repeat",
  );
  const text = chunks.map((c) => c.text).join("");
  assert.equal(hashText(text), hashText(fullText(n)), "byte-identical");
  const final = events.at(-1);
  assert.ok(final?.type === "final");
  assert.equal(final.lastSeq, n);
  assert.equal(final.hash, hashText(text));
}

/**
 * The behaviour every CheckpointStore must have, run against one implementation. `makeStore`
 * gives a fresh, empty store on the given clock. Only the memory store deletes an expired log as
 * it reads it; the others leave it to purgeExpired.
 */
export function checkpointStoreSuite(name: string, makeStore: (clock: Clock) => CheckpointStore): void {
  describe(`stream checkpoints (${name} store)`, () => {
    function setup(upstream: (call: StreamCall, n: number) => AsyncIterable<StreamEvent>) {
      const clock = new FakeClock();
      const store = makeStore(clock);
      const events = new ResilienceEvents();
      const continuations: ContinuationEvent[] = [];
      events.on("continuation", (e) => continuations.push(e));
      const calls: StreamCall[] = [];
      const checkpointer = new StreamCheckpointer({
        store,
        options: resolveOptions().checkpoint,
        clock,
        events,
      });
      const next = checkpointer.interceptor(
        fakeNext({
          stream: (call) => {
            calls.push(call);
            return upstream(call, calls.length);
          },
          // The replica that answered: "b" once "a" is to be avoided.
          endpointOf: (call) => (call.avoidEndpoints?.includes("a") ? "b" : "a"),
        }),
      );
      return { clock, store, checkpointer, next, calls, continuations };
    }

    test("a 1,000-chunk stream arrives whole, every chunk recorded", async () => {
      const s = setup((call) => simStream(call, N));
      const out = await s.next(streaming(request()));
      const events = await collect(out.events);
      assertWhole(events, N);
      const streamId = events[0]?.streamId ?? "";
      const stored = await s.store.read(streamId, 0);
      assert.equal(stored.chunks.length, N);
      assert.equal(stored.final?.hash, hashText(fullText(N)));
      await s.checkpointer.idle();
      await s.store.close();
    });

    test("disconnect at a random chunk and resume: byte-identical, no gap or repeat", async () => {
      const random = seeded(7);
      for (let round = 0; round < 3; round++) {
        const s = setup((call) => simStream(call, N));
        const cut = 1 + Math.floor(random() * (N - 1));
        const out = await s.next(streaming(request()));
        const before: StreamEvent[] = [];
        for await (const e of out.events) {
          before.push(e);
          if (e.type === "chunk" && e.seq === cut) break;
        }
        const streamId = before[0]?.streamId ?? "";
        const resumed = await collect(await s.checkpointer.resume(streamId, cut));
        assertWhole([...before, ...resumed], N);
        await s.checkpointer.idle();
        await s.store.close();
      }
    });

    test("resume while the stream is still running: stored chunks, then the live tail", async () => {
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const s = setup(async function* (call) {
        for (let seq = 1; seq <= 10; seq++) {
          if (seq === 6) await gate;
          yield { type: "chunk", streamId: call.request.streamId ?? "", seq, text: chunkText(seq) };
        }
        yield {
          type: "final",
          streamId: "",
          lastSeq: 10,
          hash: "",
          response: response(call.request, fullText(10)),
        };
      });
      const out = await s.next(streaming({ ...request(), streamId: "s_live" }));
      const first: StreamEvent[] = [];
      for await (const e of out.events) {
        first.push(e);
        if (e.type === "chunk" && e.seq === 3) break;
      }
      const resumed = await s.checkpointer.resume("s_live", 3);
      const rest = collect(resumed);
      release();
      assertWhole([...first, ...(await rest)], 10);
      await s.checkpointer.idle();
      await s.store.close();
    });

    test("an upstream failing mid-way is continued on another endpoint: no gap, no duplicate", async () => {
      const s = setup((call, n) =>
        n === 1
          ? simStream(call, N, {
              failAt: { seq: 401, error: new SynapseError("UNAVAILABLE", "replica died") },
            })
          : simStream(call, N, { repeat: 3 }),
      );
      const out = await s.next(streaming(request()));
      const events = await collect(out.events);
      assertWhole(events, N);
      assert.equal(s.calls.length, 2);
      const second = s.calls[1];
      assert.equal(second?.request.streamId, events[0]?.streamId, "same stream id");
      assert.deepEqual(second?.request.continuation, { text: fullText(400), afterSeq: 400 });
      assert.deepEqual(second?.avoidEndpoints, ["a"]);
      assert.deepEqual(
        s.continuations.map((c) => [c.afterSeq, c.endpoint, c.code]),
        [[400, "a", "UNAVAILABLE"]],
      );
      await s.checkpointer.idle();
      await s.store.close();
    });

    test("a non-continuable mid-stream failure reaches the consumer after the chunks it got", async () => {
      const s = setup((call) =>
        simStream(call, 50, {
          failAt: { seq: 21, error: new SynapseError("INVALID_ARGUMENT", "bad input") },
        }),
      );
      const out = await s.next(streaming(request()));
      const got: StreamEvent[] = [];
      await assert.rejects(
        (async () => {
          for await (const e of out.events) got.push(e);
        })(),
        (e: unknown) => e instanceof SynapseError && e.code === "INVALID_ARGUMENT",
      );
      assert.equal(got.length, 20);
      assert.equal(s.calls.length, 1);
      // A later resume ends the same way.
      await assert.rejects(collect(await s.checkpointer.resume(got[0]?.streamId ?? "", 20)), /bad input/);
      await s.store.close();
    });

    test("an expired or unknown stream is NOT_FOUND", async () => {
      const s = setup((call) => simStream(call, 5));
      const events = await collect((await s.next(streaming(request()))).events);
      const streamId = events[0]?.streamId ?? "";
      await s.checkpointer.idle();
      s.clock.advance(resolveOptions().checkpoint.ttlMs + 1);
      const notFound = (e: unknown) =>
        e instanceof SynapseError &&
        e.code === "NOT_FOUND" &&
        e.message.startsWith(`stream ${streamId} is unknown or expired`);
      await assert.rejects(s.checkpointer.resume(streamId, 0), notFound);
      await assert.rejects(s.checkpointer.resume("s_nope", 0), /stream s_nope is unknown or expired/);
      assert.equal(await s.store.purgeExpired(), name === "memory" ? 0 : 1, "memory dropped it on read");
      await s.store.close();
    });

    test("resume past the end is OUT_OF_RANGE; after the last seq gives just the final", async () => {
      const s = setup((call) => simStream(call, 5));
      const events = await collect((await s.next(streaming(request()))).events);
      const streamId = events[0]?.streamId ?? "";
      await assert.rejects(
        s.checkpointer.resume(streamId, 6),
        (e: unknown) => e instanceof SynapseError && e.code === "OUT_OF_RANGE",
      );
      const tail = await collect(await s.checkpointer.resume(streamId, 5));
      assert.deepEqual(
        tail.map((e) => e.type),
        ["final"],
      );
      await s.store.close();
    });

    test("expired logs are deleted as new streams start, so the store stays bounded", async () => {
      const clock = new FakeClock();
      const store = makeStore(clock);
      await store.create("s_old");
      await store.append("s_old", { type: "chunk", streamId: "s_old", seq: 1, text: "a" });
      clock.advance(resolveOptions().checkpoint.ttlMs + 1);
      await store.create("s_new");
      assert.equal(await store.purgeExpired(), 0, "already purged by create");
      await assert.rejects(store.read("s_old", 0), /unknown or expired/);
      await store.close();
    });

    test("the store refuses out-of-order chunks, writes after the end, and duplicate ids", async () => {
      const store = makeStore(new FakeClock());
      await store.create("s1");
      await store.append("s1", { type: "chunk", streamId: "s1", seq: 1, text: "a" });
      await assert.rejects(
        store.append("s1", { type: "chunk", streamId: "s1", seq: 3, text: "c" }),
        /does not follow 1/,
      );
      await assert.rejects(
        store.append("s1", { type: "chunk", streamId: "s1", seq: 1, text: "a" }),
        /does not follow 1/,
      );
      await assert.rejects(
        store.create("s1"),
        (e: unknown) => e instanceof SynapseError && e.code === "ALREADY_EXISTS",
      );
      await store.fail("s1", { code: "INTERNAL", message: "x" });
      await assert.rejects(
        store.append("s1", { type: "chunk", streamId: "s1", seq: 2, text: "b" }),
        /already ended/,
      );
      assert.deepEqual((await store.read("s1", 0)).failure, { code: "INTERNAL", message: "x" });
      await store.close();
    });
  });
}
