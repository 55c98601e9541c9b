import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock, loadConfig, SynapseError, flushMicrotasks as settle } from "@synapse/core";
import { complete, createProvider, SimProvider } from "../src/index.js";
import { call, drain, rejection, texts } from "./helpers.js";

const PLAN = call("claude", "plan", { task: "Design a small key-value store with snapshots" });

function code(err: unknown): string | undefined {
  return err instanceof SynapseError ? err.code : undefined;
}

describe("sim faults", () => {
  test("errorRate: a draw below it fails UNAVAILABLE before the first token", async () => {
    const draws = [0.1, 0.3];
    const sim = new SimProvider({ errorRate: 0.2, random: () => draws.shift()! });
    const got: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const e of sim.stream(PLAN)) if (e.type === "text") got.push(e.text);
      })(),
    );
    assert.equal(code(err), "UNAVAILABLE");
    assert.deepEqual(got, []);
    const ok = await complete(sim, PLAN);
    assert.ok(ok.text.length > 0, "a draw at or above the rate answers");
  });

  test("hangRate: the call never answers until aborted, then ends CANCELLED", async () => {
    const clock = new FakeClock();
    const sim = new SimProvider({ clock, errorRate: 0.1, hangRate: 0.5, random: () => 0.3 });
    const ac = new AbortController();
    let settled = false;
    const p = rejection(drain(sim.stream({ ...PLAN, signal: ac.signal }))).finally(() => {
      settled = true;
    });
    await clock.advanceAsync(3_600_000);
    assert.equal(settled, false);
    ac.abort();
    assert.equal(code(await p), "CANCELLED");
  });

  test("dropAfterChunks: the stream fails UNAVAILABLE 'stream dropped' after exactly N chunks", async () => {
    const sim = new SimProvider({ dropAfterChunks: 4 });
    const got: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const e of sim.stream(PLAN)) if (e.type === "text") got.push(e.text);
      })(),
    );
    assert.equal(code(err), "UNAVAILABLE");
    assert.match((err as Error).message, /stream dropped/);
    assert.equal(got.length, 4);
  });

  test("dropAfterChunks does not cut an answer that has no more than N chunks", async () => {
    const full = texts(await drain(new SimProvider().stream(PLAN)));
    const sim = new SimProvider({ dropAfterChunks: full.length });
    assert.deepEqual(texts(await drain(sim.stream(PLAN))), full);
  });

  test("crashAfter: the crash action runs on exactly that call number", async () => {
    let crashes = 0;
    const sim = new SimProvider({ crashAfter: 3, crash: () => crashes++ });
    await complete(sim, PLAN);
    await complete(sim, PLAN);
    assert.equal(crashes, 0);
    const err = await rejection(complete(sim, PLAN));
    assert.equal(crashes, 1);
    assert.equal(code(err), "UNAVAILABLE");
    await complete(sim, PLAN);
    assert.equal(crashes, 1);
  });

  test("[sim:fail=CODE] fails the call with that code; RESOURCE_EXHAUSTED carries retryAfterMs 1000", async () => {
    const sim = new SimProvider();
    const exhausted = await rejection(
      complete(sim, call("claude", "plan", { task: "x [sim:fail=RESOURCE_EXHAUSTED]" })),
    );
    assert.ok(exhausted instanceof SynapseError);
    assert.equal(exhausted.code, "RESOURCE_EXHAUSTED");
    assert.equal(exhausted.retryAfterMs, 1000);
    const nested = await rejection(
      complete(
        sim,
        call("gemini", "review", { files: [{ path: "a", content: "[sim:fail=permission_denied]" }] }),
      ),
    );
    assert.equal(code(nested), "PERMISSION_DENIED");
    const unknown = await rejection(complete(sim, call("claude", "plan", { task: "[sim:fail=NOPE]" })));
    assert.equal(code(unknown), "INVALID_ARGUMENT");
    assert.match((unknown as Error).message, /Unknown code "NOPE"/);
  });

  test("createProvider builds sim from an agent's config, with faults only when asked", async () => {
    const config = loadConfig({
      SYNAPSE_CLAUDE_SIM_TTFT_MS: "50",
      SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "0",
      SYNAPSE_CLAUDE_SIM_ERROR_RATE: "1",
    });
    const clock = new FakeClock();
    const faulty = createProvider("sim", config.claude, { clock, random: () => 0.5 });
    assert.equal(faulty.name, "sim");
    assert.equal(faulty.model, "sim-1");
    assert.equal(code(await rejection(complete(faulty, PLAN))), "UNAVAILABLE");
    const clean = createProvider("sim", config.claude, { clock, faults: false, random: () => 0.5 });
    let done = false;
    const p = complete(clean, PLAN).then((r) => {
      done = true;
      return r;
    });
    await settle();
    await clock.advanceAsync(49);
    assert.equal(done, false, "ttftMs from config");
    await clock.advanceAsync(1);
    assert.ok((await p).text.length > 0);
    assert.equal(
      code(await rejection(Promise.resolve().then(() => createProvider("gpt", config.claude)))),
      "INVALID_ARGUMENT",
    );
  });
});
