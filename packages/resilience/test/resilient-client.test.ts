import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Clock, FakeClock, flushMicrotasks, type Next, SynapseError } from "@synapse/core";
import {
  buildResilienceChain,
  MemoryCheckpointStore,
  type ResilienceEventMap,
  ResilientClient,
  type ResilientClientOptions,
} from "../src/index.js";
import { collect, DrivenClock, fakeNext, fullText, response, simStream } from "./helpers/fakes.js";

type Behaviour = "ok" | "down" | "hang";

/** A client over fake replicas "a" and "b" whose behaviour the test sets per endpoint. */
function setup(clock: Clock, extra: Partial<ResilientClientOptions> = {}) {
  const behaviour: Record<string, Behaviour> = { a: "ok", b: "ok" };
  const calls: string[] = [];
  const signals: AbortSignal[] = [];
  const deadlines: (number | undefined)[] = [];
  const transportFor = (endpoint: string): Next =>
    fakeNext({
      unary: (call) => {
        calls.push(endpoint);
        signals.push(call.signal);
        deadlines.push(call.deadline);
        const b = behaviour[endpoint];
        if (b === "down") return Promise.reject(new SynapseError("UNAVAILABLE", `${endpoint} is down`));
        if (b === "hang") return new Promise(() => {});
        return Promise.resolve(response(call.request, `from ${endpoint}`));
      },
      stream: (call) => {
        calls.push(endpoint);
        const fail = behaviour[endpoint] === "down";
        return simStream(
          call,
          100,
          fail ? { failAt: { seq: 51, error: new SynapseError("UNAVAILABLE", "dropped") } } : {},
        );
      },
    });
  const client = new ResilientClient({
    endpoints: { claude: ["a", "b"] },
    transportFor,
    clock,
    random: () => 0.5,
    ...extra,
  });
  const log: string[] = [];
  for (const name of [
    "attempt",
    "retry",
    "giveup",
    "breaker",
    "fallback",
    "timeout",
    "call",
    "continuation",
    "resume",
  ] as const) {
    client.events.on(name, (e: ResilienceEventMap[typeof name][0]) => {
      log.push(
        `${name}${"endpoint" in e && e.endpoint ? `:${e.endpoint}` : ""}${"to" in e ? `>${e.to}` : ""}`,
      );
    });
  }
  return { client, behaviour, calls, signals, deadlines, log };
}

const task = { task: "write release notes" };

describe("ResilientClient", () => {
  test("a failed attempt is retried on the other replica", async () => {
    const clock = new DrivenClock();
    const s = setup(clock);
    s.behaviour.a = "down";
    const r = await clock.run(s.client.invoke("claude", "plan", task));
    assert.equal(r.text, "from b");
    assert.deepEqual(s.log, ["attempt:a", "retry:a", "attempt:b", "call"]);
  });

  test('calls are reported to a "call" listener from when it is added, and to none after it is removed', async () => {
    const clock = new DrivenClock();
    const s = setup(clock);
    s.client.events.removeAllListeners("call");
    await clock.run(s.client.invoke("claude", "plan", task));
    const calls: ResilienceEventMap["call"][0][] = [];
    const listener = (e: ResilienceEventMap["call"][0]) => calls.push(e);
    s.client.events.on("call", listener);
    await clock.run(s.client.invoke("claude", "plan", task));
    s.client.events.off("call", listener);
    await clock.run(s.client.invoke("claude", "plan", task));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.outcome, "ok");
    assert.equal(calls[0]?.agent, "claude");
    assert.deepEqual(s.calls, ["a", "b", "a"], "every call went through");
  });

  test("when every attempt fails the fallback answers (after the retries), marked and reported", async () => {
    const clock = new DrivenClock();
    const s = setup(clock, { options: { breaker: { consecutiveFailures: 100 } } });
    s.behaviour.a = "down";
    s.behaviour.b = "down";
    const calls: ResilienceEventMap["call"][0][] = [];
    s.client.events.on("call", (e) => calls.push(e));
    const r = await clock.run(s.client.invoke("claude", "plan", task));
    assert.deepEqual(r.fallback, { kind: "rule", ageMs: 0 });
    assert.deepEqual(s.calls, ["a", "b", "a", "b", "a"]);
    assert.deepEqual(clock.fired, [100, 200, 400, 800]);
    assert.deepEqual(s.log.slice(-3), ["giveup", "fallback", "call"]);
    assert.equal(calls[0]?.outcome, "ok");
    assert.equal(calls[0]?.fallback, "rule");
  });

  test("a cached answer beats the rule", async () => {
    const clock = new DrivenClock();
    const s = setup(clock);
    await clock.run(s.client.invoke("claude", "plan", task));
    s.behaviour.a = "down";
    s.behaviour.b = "down";
    const r = await clock.run(s.client.invoke("claude", "plan", task));
    assert.equal(r.fallback?.kind, "cache");
    assert.equal(r.text, "from a");
  });

  test("while every breaker is open the fallback answers at once, with no network call and no waiting", async () => {
    const clock = new DrivenClock();
    const s = setup(clock, { options: { breaker: { consecutiveFailures: 1 } } });
    s.behaviour.a = "down";
    s.behaviour.b = "down";
    await clock.run(s.client.invoke("claude", "plan", task));
    assert.deepEqual(s.client.chain.breakers.states(), { a: "OPEN", b: "OPEN" });
    const before = { calls: s.calls.length, fired: clock.fired.length, now: clock.now() };
    const r = await clock.run(s.client.invoke("claude", "plan", task));
    assert.equal(r.fallback?.kind, "rule");
    assert.equal(s.calls.length, before.calls);
    assert.equal(clock.fired.length, before.fired);
    assert.equal(clock.now(), before.now);
  });

  test("a timed-out attempt is cut at its budget and counts against that replica's breaker", async () => {
    const clock = new FakeClock();
    const s = setup(clock, {
      options: {
        retry: { maxAttempts: 1 },
        breaker: { consecutiveFailures: 1 },
        timeout: { defaultMs: 1_000 },
        fallback: { actions: { plan: { enabled: false } } },
      },
    });
    s.behaviour.a = "hang";
    const started = clock.now();
    const result = assert.rejects(
      s.client.invoke("claude", "plan", task),
      (e: unknown) => e instanceof SynapseError && e.code === "DEADLINE_EXCEEDED",
    );
    await flushMicrotasks();
    // The budget went down as the attempt's deadline: a real transport cancels the request then.
    assert.equal(s.deadlines[0], started + 1_000);
    clock.advance(1_000);
    await result;
    assert.equal(s.client.chain.breakers.states().a, "OPEN");
    assert.ok(s.log.includes("timeout:a"));
  });

  test("a stream dropped mid-way continues on the other replica; resume replays from any seq", async () => {
    const store = new MemoryCheckpointStore();
    const clock = new DrivenClock();
    const s = setup(clock, { checkpointStore: store });
    s.behaviour.a = "down";
    const events = await clock.run(collect(s.client.stream("claude", "plan", task)));
    const text = events.flatMap((e) => (e.type === "chunk" ? [e.text] : [])).join("");
    assert.equal(text, fullText(100));
    assert.deepEqual(s.calls, ["a", "b"]);
    assert.ok(s.log.includes("continuation:a"));
    const streamId = events[0]?.streamId ?? "";
    const tail = await collect(s.client.resume(streamId, 90));
    assert.deepEqual(
      tail.map((e) => (e.type === "chunk" ? e.seq : "final")),
      [91, 92, 93, 94, 95, 96, 97, 98, 99, 100, "final"],
    );
    assert.ok(s.log.includes("resume"));
    await s.client.close();
  });

  test("many concurrent calls without a signal of their own raise no MaxListeners warning", async () => {
    const { client } = setup(new FakeClock());
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      await Promise.all(Array.from({ length: 50 }, () => client.invoke("claude", "plan", task)));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  test("input is validated at the edge: nothing is sent for a bad request", async () => {
    const s = setup(new DrivenClock());
    await assert.rejects(
      s.client.invoke("claude", "plan", {}),
      (e: unknown) => e instanceof SynapseError && e.code === "INVALID_ARGUMENT",
    );
    await assert.rejects(
      s.client.invoke("nobody", "plan", task),
      (e: unknown) => e instanceof SynapseError && e.code === "NOT_FOUND",
    );
    await assert.rejects(
      s.client.invoke("gemini", "analyze", { text: "x" }),
      /No endpoint is configured for agent "gemini"/,
    );
    await assert.rejects(collect(s.client.resume("s_x", 0)), /needs a checkpoint store/);
    assert.deepEqual(s.calls, []);
  });

  test("the chain has its layers in order, with the checkpoint layer only when a store is given", () => {
    assert.equal(buildResilienceChain().interceptors.length, 5);
    const withStore = buildResilienceChain({ checkpointStore: new MemoryCheckpointStore() });
    assert.equal(withStore.interceptors.length, 6);
    assert.equal(withStore.interceptors[1], withStore.checkpointer?.interceptor);
  });
});
