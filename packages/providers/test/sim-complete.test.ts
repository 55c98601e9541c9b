import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock, SynapseError, flushMicrotasks as settle } from "@synapse/core";
import { type ProviderCall, SimProvider } from "../src/index.js";
import { call, drain, rejection, SIM_SAMPLES, texts } from "./helpers.js";

const PLAN = call("claude", "plan", { task: "Design a small key-value store with snapshots" });

const CALLS: ProviderCall[] = [PLAN, ...SIM_SAMPLES];

function code(err: unknown): string | undefined {
  return err instanceof SynapseError ? err.code : undefined;
}

/** `sim.complete`, which must exist: a sim without it would fall back to draining its stream. */
function completeOf(sim: SimProvider, c: ProviderCall) {
  assert.equal(typeof sim.complete, "function");
  return sim.complete(c);
}

describe("sim complete (unary answers)", () => {
  test("gives exactly what draining the stream gives, for every action and for continuations", async () => {
    const sim = new SimProvider();
    for (const c of CALLS) {
      const events = await drain(sim.stream(c));
      const done = events.at(-1)!;
      assert.ok(done.type === "done");
      assert.deepEqual(await completeOf(sim, c), {
        text: texts(events).join(""),
        result: done.result,
        usage: done.usage,
      });
    }
    const full = texts(await drain(sim.stream(PLAN)));
    const continued = { ...PLAN, continuation: { text: full.slice(0, 5).join(""), afterSeq: 5 } };
    const rest = await completeOf(sim, continued);
    assert.equal(rest.text, full.slice(5).join(""));
    assert.equal(rest.usage.outputTokens, full.length - 5);
  });

  test("paced: answers when the stream's last token would be due, on one timer", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, ttftMs: 100, tokensPerSecond: 10 });
    const tokens = texts(await drain(new SimProvider().stream(PLAN))).length;
    let done = false;
    const p = completeOf(sim, PLAN).then(() => {
      done = true;
    });
    await settle();
    assert.equal(clock.pending(), 1, "one timer for the whole answer, not one per token");
    await clock.advanceAsync(100 + (tokens - 1) * 100 - 1);
    assert.equal(done, false);
    await clock.advanceAsync(1);
    await p;
    assert.equal(clock.pending(), 0);
  });

  test("dropAfterChunks: fails UNAVAILABLE 'stream dropped' when chunk N would have been sent", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, ttftMs: 100, tokensPerSecond: 10, dropAfterChunks: 4 });
    let settled = false;
    const p = rejection(completeOf(sim, PLAN)).finally(() => {
      settled = true;
    });
    await clock.advanceAsync(100 + 3 * 100 - 1);
    assert.equal(settled, false);
    await clock.advanceAsync(1);
    const err = await p;
    assert.equal(code(err), "UNAVAILABLE");
    assert.match((err as Error).message, /stream dropped after 4 chunks/);
    // An answer of no more than N chunks is not cut.
    const whole = await new SimProvider().complete(PLAN);
    const uncut = new SimProvider({ dropAfterChunks: whole.usage.outputTokens });
    assert.equal((await completeOf(uncut, PLAN)).text, whole.text);
  });

  test("abort while waiting ends the call with CANCELLED (or the SynapseError given) and clears the timer", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, ttftMs: 1000 });
    const ac = new AbortController();
    const p = rejection(completeOf(sim, { ...PLAN, signal: ac.signal }));
    await settle();
    ac.abort();
    assert.equal(code(await p), "CANCELLED");
    assert.equal(clock.pending(), 0);
    const late = new AbortController();
    const q = rejection(completeOf(sim, { ...PLAN, signal: late.signal }));
    late.abort(new SynapseError("DEADLINE_EXCEEDED", "late"));
    assert.equal(code(await q), "DEADLINE_EXCEEDED");
  });

  test("faults, directives and crashes apply as they do to streams", async () => {
    const failing = new SimProvider({ errorRate: 1, random: () => 0 });
    assert.equal(code(await rejection(completeOf(failing, PLAN))), "UNAVAILABLE");
    const directed = call("claude", "plan", { task: "x [sim:fail=PERMISSION_DENIED]" });
    assert.equal(code(await rejection(completeOf(new SimProvider(), directed))), "PERMISSION_DENIED");
    let crashes = 0;
    const crashing = new SimProvider({ crashAfter: 2, crash: () => crashes++ });
    await drain(crashing.stream(PLAN));
    assert.equal(code(await rejection(completeOf(crashing, PLAN))), "UNAVAILABLE");
    assert.equal(crashes, 1, "streams and unary calls share one call count");
  });
});
