import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock, SynapseError, flushMicrotasks as settle } from "@synapse/core";
import { complete, type ProviderEvent, SimProvider, tokenize } from "../src/index.js";
import { call, drain, rejection, texts } from "./helpers.js";

const PLAN = call("claude", "plan", { task: "Design a small key-value store with snapshots" });

describe("sim streaming", () => {
  test("streams the text token by token, in order, then one done event with usage", async () => {
    const sim = new SimProvider();
    const { text } = await complete(sim, PLAN);
    const events = await drain(sim.stream(PLAN));
    assert.deepEqual(texts(events), tokenize(text));
    assert.equal(texts(events).join(""), text);
    assert.ok(texts(events).length > 20);
    const done = events.at(-1)!;
    assert.equal(done.type, "done");
    assert.equal(events.filter((e) => e.type === "done").length, 1);
    if (done.type === "done") {
      assert.deepEqual(done.usage, { inputTokens: 7, outputTokens: texts(events).length });
    }
  });

  test("a continuation yields exactly the remainder of the same text", async () => {
    const sim = new SimProvider();
    const full = texts(await drain(sim.stream(PLAN)));
    for (const afterSeq of [0, 1, 5, full.length - 1, full.length]) {
      const delivered = full.slice(0, afterSeq).join("");
      const events = await drain(sim.stream({ ...PLAN, continuation: { text: delivered, afterSeq } }));
      assert.deepEqual(texts(events), full.slice(afterSeq));
      const done = events.at(-1)!;
      assert.ok(done.type === "done" && done.usage.outputTokens === full.length - afterSeq);
    }
  });

  test("a continuation whose text is not a prefix fails FAILED_PRECONDITION", async () => {
    const sim = new SimProvider();
    const err = await rejection(
      drain(sim.stream({ ...PLAN, continuation: { text: "## Not the plan", afterSeq: 3 } })),
    );
    assert.ok(err instanceof SynapseError && err.code === "FAILED_PRECONDITION", String(err));
  });

  // Speed is the benchmarks' business (bench/); here: no timer is ever set, so a fake clock that
  // never moves cannot hold the stream back.
  test("unpaced streams set no timers: 1,000 tokens arrive with the clock standing still", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, tokensPerSecond: 0, ttftMs: 0 });
    const task = Array.from({ length: 1000 }, (_, i) => `word${i}`).join(" ");
    const before = clock.now();
    const events = await drain(sim.stream(call("claude", "code", { task })));
    assert.ok(texts(events).length >= 1000, `${texts(events).length} tokens`);
    assert.equal(clock.pending(), 0);
    assert.equal(clock.now(), before);
  });

  test("the first token comes after ttftMs, then one every 1000/tokensPerSecond ms", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, ttftMs: 100, tokensPerSecond: 10 });
    const got: ProviderEvent[] = [];
    const run = (async () => {
      for await (const e of sim.stream(PLAN)) got.push(e);
    })();
    await settle();
    assert.equal(got.length, 0);
    await clock.advanceAsync(99);
    assert.equal(got.length, 0, "nothing before ttft");
    await clock.advanceAsync(1);
    assert.equal(got.length, 1, "first token at ttft");
    await clock.advanceAsync(99);
    assert.equal(got.length, 1);
    await clock.advanceAsync(1);
    assert.equal(got.length, 2, "second token 100 ms later");
    await clock.advanceAsync(300);
    assert.equal(got.length, 5, "three more over 300 ms");
    await clock.advanceAsync(1_000_000);
    await run;
    assert.equal(got.at(-1)!.type, "done");
  });

  test("a late timer does not slow the stream down: overdue tokens come at once", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, ttftMs: 0, tokensPerSecond: 1000 });
    const got: ProviderEvent[] = [];
    const run = (async () => {
      for await (const e of sim.stream(PLAN)) got.push(e);
    })();
    await settle();
    assert.equal(got.length, 1, "first token at once with ttft 0");
    await clock.advanceAsync(10);
    assert.equal(got.length, 11, "10 ms at 1000 tokens/s is 10 more tokens");
    await clock.advanceAsync(1_000_000);
    await run;
  });

  test("abort during the wait for the first token ends the stream with CANCELLED and clears its timer", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, ttftMs: 1000 });
    const ac = new AbortController();
    const p = rejection(drain(sim.stream({ ...PLAN, signal: ac.signal })));
    await settle();
    assert.equal(clock.pending(), 1);
    ac.abort();
    const err = await p;
    assert.ok(err instanceof SynapseError && err.code === "CANCELLED", String(err));
    assert.equal(clock.pending(), 0);
  });

  test("abort in the middle of a slow stream ends it with CANCELLED", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, tokensPerSecond: 10 });
    const ac = new AbortController();
    const got: ProviderEvent[] = [];
    const p = rejection(
      (async () => {
        for await (const e of sim.stream({ ...PLAN, signal: ac.signal })) got.push(e);
      })(),
    );
    await settle();
    await clock.advanceAsync(200);
    assert.equal(got.length, 3);
    ac.abort();
    const err = await p;
    assert.ok(err instanceof SynapseError && err.code === "CANCELLED");
    assert.equal(got.length, 3);
  });

  test("abort of an unpaced stream stops it between batches", async () => {
    const sim = new SimProvider();
    const ac = new AbortController();
    const task = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(" ");
    let n = 0;
    const err = await rejection(
      (async () => {
        for await (const _ of sim.stream({ ...call("claude", "code", { task }), signal: ac.signal })) {
          if (++n === 10) setImmediate(() => ac.abort());
        }
      })(),
    );
    assert.ok(err instanceof SynapseError && err.code === "CANCELLED");
    assert.ok(n < 200, `stopped after ${n} tokens`);
  });

  test("an abort whose reason is a SynapseError ends the stream with that error", async () => {
    const sim = new SimProvider({ ttftMs: 0, hangRate: 1, random: () => 0 });
    const ac = new AbortController();
    const p = rejection(drain(sim.stream({ ...PLAN, signal: ac.signal })));
    ac.abort(new SynapseError("DEADLINE_EXCEEDED", "Deadline passed."));
    const err = await p;
    assert.ok(err instanceof SynapseError && err.code === "DEADLINE_EXCEEDED");
  });
});
