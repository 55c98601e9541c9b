import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock, flushMicrotasks as settle } from "@synapse/core";
import { SimProvider } from "@synapse/providers";
import { AgentService } from "../src/index.js";
import { ctx, drain, rejection, req } from "./helpers.js";

const TASK = { task: "Design a rate limiter for uploads" };

describe("draining", () => {
  test("health is SERVING until draining starts; then new calls fail UNAVAILABLE", async () => {
    const service = new AgentService({ agent: "claude", provider: new SimProvider() });
    assert.equal(service.health(), "SERVING");
    service.beginDrain();
    assert.equal(service.health(), "NOT_SERVING");
    const err = await rejection(service.invoke(req("claude", "plan", TASK), ctx()));
    assert.equal(err.code, "UNAVAILABLE");
    assert.match(err.message, /shutting down/);
    assert.equal(
      (await rejection(drain(service.stream(req("claude", "plan", TASK), ctx())))).code,
      "UNAVAILABLE",
    );
    assert.equal(service.inFlight, 0);
  });

  test("drain lets calls in flight finish within the timeout", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock, ttftMs: 500 }),
      clock,
    });
    const call = service.invoke(req("claude", "plan", TASK), ctx());
    await settle();
    assert.equal(service.inFlight, 1);
    let drained: { cancelled: number } | undefined;
    const d = service.drain(1000).then((r) => {
      drained = r;
    });
    await clock.advanceAsync(499);
    assert.equal(drained, undefined, "still waiting for the call");
    await clock.advanceAsync(1);
    assert.ok((await call).text.length > 0, "the call completed");
    await d;
    assert.deepEqual(drained, { cancelled: 0 });
    assert.equal(clock.pending(), 0);
  });

  test("drain cancels what is still running at the timeout, with UNAVAILABLE", async () => {
    const clock = new FakeClock();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider({ clock, hangRate: 1, random: () => 0 }),
      clock,
    });
    const call = rejection(service.invoke(req("claude", "plan", TASK), ctx()));
    await settle();
    const d = service.drain(1000);
    await clock.advanceAsync(1000);
    const err = await call;
    assert.equal(err.code, "UNAVAILABLE");
    assert.deepEqual(await d, { cancelled: 1 });
    assert.equal(service.inFlight, 0);
  });

  test("drain with nothing in flight returns at once", async () => {
    const clock = new FakeClock();
    const service = new AgentService({ agent: "claude", provider: new SimProvider(), clock });
    assert.deepEqual(await service.drain(10_000), { cancelled: 0 });
    assert.equal(clock.pending(), 0);
  });
});
