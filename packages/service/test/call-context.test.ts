import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CallContext, FakeClock, SynapseError, flushMicrotasks as settle } from "@synapse/core";
import { SimProvider } from "@synapse/providers";
import { AgentService } from "../src/index.js";
import { ctx, drain, rejection, req, SpyProvider } from "./helpers.js";

const TASK = { task: "Design a rate limiter for uploads" };

/** A context whose owner (as a transport does) aborts its signal itself and takes the service's aborts. */
function ownedContext(extra: Partial<CallContext> = {}) {
  const controller = new AbortController();
  const aborts: SynapseError[] = [];
  const context = ctx({
    signal: controller.signal,
    abort: (reason) => {
      aborts.push(reason);
      controller.abort(reason);
    },
    ...extra,
  });
  return { context, aborts, controller };
}

describe("a call context that owns its signal (CallContext.abort)", () => {
  test("a unary call on the sim never reads the signal of a context that answers aborted() itself", async () => {
    let reads = 0;
    let reason: SynapseError | undefined;
    const controller = new AbortController();
    const context: CallContext = {
      get signal() {
        reads++;
        return controller.signal;
      },
      deadline: undefined,
      metadata: {},
      abort: (r) => {
        reason ??= r;
        controller.abort(r);
      },
      aborted: () => reason !== undefined,
    };
    const service = new AgentService({ agent: "claude", provider: new SimProvider() });
    assert.equal((await service.invoke(req("claude", "plan", TASK), context)).provider, "sim");
    assert.equal(reads, 0, "an AbortSignal costs 2–6 µs to make; this call never needed one");
    // Aborted before it runs: it fails with the context's reason.
    context.abort?.(new SynapseError("DEADLINE_EXCEEDED", "late"));
    assert.equal(
      (await rejection(service.invoke(req("claude", "plan", TASK), context))).code,
      "DEADLINE_EXCEEDED",
    );
  });

  test("the provider runs under the caller's own signal, and the service arms no deadline timer", async () => {
    const clock = new FakeClock();
    const spy = new SpyProvider(new SimProvider({ clock }));
    const service = new AgentService({ agent: "claude", provider: spy, clock });
    const { context } = ownedContext({ deadline: clock.now() + 60_000 });
    const events = drain(service.stream(req("claude", "plan", TASK), context));
    assert.equal(clock.pending(), 0, "the context's owner enforces the deadline");
    assert.equal((await events).at(-1)?.type, "final");
    assert.equal(spy.calls[0]?.signal, context.signal);
  });

  test("draining cancels through the context's abort, with UNAVAILABLE", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock, hangRate: 1, random: () => 0 }),
      clock,
    });
    const { context, aborts } = ownedContext();
    const call = rejection(service.invoke(req("claude", "plan", TASK), context));
    await settle();
    const drained = service.drain(1000);
    await clock.advanceAsync(1000);
    assert.equal((await call).code, "UNAVAILABLE");
    assert.deepEqual(await drained, { cancelled: 1 });
    assert.deepEqual(
      aborts.map((e) => e.code),
      ["UNAVAILABLE"],
    );
  });

  test("a consumer that stops reading aborts the call through the context, once", async () => {
    const service = new AgentService({ agent: "claude", provider: new SimProvider() });
    const { context, aborts } = ownedContext();
    for await (const event of service.stream(req("claude", "plan", TASK), context)) {
      assert.equal(event.type, "chunk");
      break;
    }
    assert.deepEqual(
      aborts.map((e) => e.code),
      ["CANCELLED"],
    );
    assert.equal(service.inFlight, 0);
  });

  test("the caller's abort stands: the service adds none after it", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock, hangRate: 1, random: () => 0 }),
      clock,
    });
    const { context, aborts, controller } = ownedContext();
    const call = rejection(service.invoke(req("claude", "plan", TASK), context));
    await settle();
    controller.abort(new SynapseError("CANCELLED", "gone"));
    assert.equal((await call).code, "CANCELLED");
    await service.drain(0);
    assert.deepEqual(aborts, []);
  });
});
