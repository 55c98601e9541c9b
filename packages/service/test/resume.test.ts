import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StreamEvent } from "@synapse/core";
import { FakeClock, flushMicrotasks as settle } from "@synapse/core";
import { SimProvider } from "@synapse/providers";
import { AgentService } from "../src/index.js";
import { ctx, drain, rejection, req, SpyProvider } from "./helpers.js";

const TASK = { task: "Design a rate limiter for uploads" };

function texts(events: readonly StreamEvent[]): string {
  return events.map((e) => (e.type === "chunk" ? e.text : "")).join("");
}

/** Reads a stream in the background, collecting events until it ends. */
function collect(events: AsyncIterable<StreamEvent>) {
  const got: StreamEvent[] = [];
  const done = (async () => {
    for await (const e of events) got.push(e);
  })();
  return { got, done };
}

describe("stream resume", () => {
  test("resume replays the chunks after afterSeq and the final event: together byte-identical", async () => {
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider(),
      newStreamId: () => "s_1",
    });
    const full = await drain(service.stream(req("claude", "plan", TASK), ctx()));
    for (const after of [0, 3, full.length - 1]) {
      const tail = await drain(service.resume("s_1", after, ctx()));
      assert.deepEqual(tail, full.slice(after), `after ${after}`);
      assert.equal(texts(full.slice(0, after)) + texts(tail), texts(full));
    }
  });

  test("resume of a running stream replays what exists, then follows the live tail to the final", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock, tokensPerSecond: 10 }),
      clock,
      newStreamId: () => "s_live",
    });
    const original = collect(service.stream(req("claude", "plan", TASK), ctx()));
    await settle();
    await clock.advanceAsync(400);
    assert.equal(original.got.length, 5);
    const follower = collect(service.resume("s_live", 2, ctx()));
    await settle();
    assert.deepEqual(follower.got, original.got.slice(2));
    await clock.advanceAsync(100);
    assert.equal(follower.got.length, 4, "the new chunk reaches the follower too");
    await clock.advanceAsync(1_000_000);
    await Promise.all([original.done, follower.done]);
    assert.deepEqual(follower.got, original.got.slice(2));
    assert.equal(follower.got.at(-1)!.type, "final");
  });

  test("unknown streams, and streams past their retention, are NOT_FOUND; within it they resume", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock }),
      clock,
      streamRetainMs: 60_000,
      newStreamId: () => "s_ttl",
    });
    assert.equal((await rejection(drain(service.resume("s_nope", 0, ctx())))).code, "NOT_FOUND");
    await drain(service.stream(req("claude", "plan", TASK), ctx()));
    await clock.advanceAsync(59_999);
    assert.ok((await drain(service.resume("s_ttl", 0, ctx()))).length > 1);
    await clock.advanceAsync(60_002);
    const err = await rejection(drain(service.resume("s_ttl", 0, ctx())));
    assert.equal(err.code, "NOT_FOUND");
    assert.match(err.message, /unknown here or has expired/);
  });

  test("the registry holds at most maxStreams, dropping the least recently used", async () => {
    let n = 0;
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider(),
      maxStreams: 2,
      newStreamId: () => `s_${++n}`,
    });
    for (let i = 0; i < 2; i++) await drain(service.stream(req("claude", "plan", TASK), ctx()));
    await drain(service.resume("s_1", 0, ctx())); // s_1 is now the most recently used
    await drain(service.stream(req("claude", "plan", TASK), ctx()));
    assert.equal(service.streamsHeld, 2);
    assert.equal((await rejection(drain(service.resume("s_2", 0, ctx())))).code, "NOT_FOUND");
    assert.ok((await drain(service.resume("s_1", 0, ctx()))).length > 1);
    assert.ok((await drain(service.resume("s_3", 0, ctx()))).length > 1);
  });

  test("resume refuses a bad afterSeq or one past the end of a finished stream", async () => {
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider(),
      newStreamId: () => "s_r",
    });
    const full = await drain(service.stream(req("claude", "plan", TASK), ctx()));
    assert.equal((await rejection(drain(service.resume("s_r", -1, ctx())))).code, "INVALID_ARGUMENT");
    assert.equal((await rejection(drain(service.resume("s_r", full.length, ctx())))).code, "OUT_OF_RANGE");
    assert.deepEqual(
      await drain(service.resume("s_r", full.length - 1, ctx())),
      full.slice(-1),
      "just the final",
    );
  });

  test("a continued stream is held from afterSeq + 1: resuming before that is OUT_OF_RANGE", async () => {
    const sim = new SimProvider();
    const service = new AgentService({ agent: "claude", provider: sim, newStreamId: () => "s_c" });
    const full = await drain(service.stream(req("claude", "plan", TASK), ctx()));
    const delivered = texts(full.slice(0, 4));
    const continued = await drain(
      service.stream(
        req("claude", "plan", TASK, { streamId: "s_c", continuation: { text: delivered, afterSeq: 4 } }),
        ctx(),
      ),
    );
    assert.deepEqual(await drain(service.resume("s_c", 4, ctx())), continued);
    const err = await rejection(drain(service.resume("s_c", 3, ctx())));
    assert.equal(err.code, "OUT_OF_RANGE");
    assert.match(err.message, /from seq 5/);
  });

  test("when the caller aborts, the work stops with CANCELLED; produced chunks stay resumable, then ABORTED", async () => {
    const clock = new FakeClock();
    const spy = new SpyProvider(new SimProvider({ clock, tokensPerSecond: 10 }));
    const service = new AgentService({ agent: "claude", provider: spy, clock, newStreamId: () => "s_ab" });
    const ac = new AbortController();
    const original = collect(service.stream(req("claude", "plan", TASK), ctx({ signal: ac.signal })));
    await settle();
    await clock.advanceAsync(200);
    ac.abort();
    assert.equal((await rejection(original.done)).code, "CANCELLED");
    assert.equal(spy.calls[0]!.signal.aborted, true, "the provider's signal aborted");
    assert.equal(service.inFlight, 0);
    const replay = collect(service.resume("s_ab", 0, ctx()));
    const err = await rejection(replay.done);
    assert.deepEqual(replay.got, original.got);
    assert.equal(err.code, "ABORTED");
    assert.match(err.message, /after seq 3 .*continuation/);
  });

  test("when the consumer stops reading, the provider is stopped and the call leaves the in-flight set", async () => {
    const spy = new SpyProvider(new SimProvider());
    const service = new AgentService({ agent: "claude", provider: spy });
    for await (const e of service.stream(req("claude", "plan", TASK), ctx())) {
      if (e.type === "chunk" && e.seq === 2) break;
    }
    assert.equal(spy.calls[0]!.signal.aborted, true);
    assert.equal(service.inFlight, 0);
  });

  test("a follower that aborts ends with CANCELLED and leaves the stream running", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock, tokensPerSecond: 10 }),
      clock,
      newStreamId: () => "s_f",
    });
    const original = collect(service.stream(req("claude", "plan", TASK), ctx()));
    await settle();
    const ac = new AbortController();
    const follower = collect(service.resume("s_f", 0, ctx({ signal: ac.signal })));
    await settle();
    ac.abort();
    assert.equal((await rejection(follower.done)).code, "CANCELLED");
    await clock.advanceAsync(1_000_000);
    await original.done;
    assert.equal(original.got.at(-1)!.type, "final");
  });

  test("a call past its deadline fails DEADLINE_EXCEEDED", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock, ttftMs: 5000 }),
      clock,
    });
    const p = rejection(service.invoke(req("claude", "plan", TASK), ctx({ deadline: clock.now() + 1000 })));
    await settle();
    await clock.advanceAsync(1000);
    assert.equal((await p).code, "DEADLINE_EXCEEDED");
    const past = await rejection(
      service.invoke(req("claude", "plan", TASK), ctx({ deadline: clock.now() - 1 })),
    );
    assert.equal(past.code, "DEADLINE_EXCEEDED");
    assert.equal(clock.pending(), 0, "no timer left behind");
  });
});
