import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AgentResponse } from "@synapse/core";
import { isSynapseError } from "@synapse/core";
import { IdempotencyStore } from "../src/idempotency.js";
import { readiness } from "../src/routes/health.js";
import { inputFromMessages, MODEL_IDS, pickModel } from "../src/routes/openai.js";
import { parseLastEventId } from "../src/sse.js";

const response = { agent: "claude", action: "plan", text: "x" } as AgentResponse;

describe("gateway units", () => {
  test("Last-Event-ID is streamId:seq", () => {
    assert.deepEqual(parseLastEventId("s_abc:12"), { streamId: "s_abc", afterSeq: 12 });
    assert.deepEqual(parseLastEventId("a:b:3"), { streamId: "a:b", afterSeq: 3 });
    assert.equal(parseLastEventId("s_abc"), undefined);
    assert.equal(parseLastEventId("s_abc:-1"), undefined);
    assert.equal(parseLastEventId(":4"), undefined);
    assert.equal(parseLastEventId(undefined), undefined);
  });

  test("an Idempotency-Key attaches to the first call; a failure forgets it; entries expire", async () => {
    let now = 0;
    const store = new IdempotencyStore(1000, () => now);
    let calls = 0;
    const run = async () => {
      calls += 1;
      return response;
    };
    await store.unary("k", run);
    await store.unary("k", run);
    assert.equal(calls, 1);
    now = 1000;
    await store.unary("k", run);
    assert.equal(calls, 2, "expired after the TTL");
    await assert.rejects(store.unary("bad", async () => Promise.reject(new Error("boom"))));
    await new Promise((r) => setImmediate(r));
    await store.unary("bad", run);
    assert.equal(calls, 3, "a failed call does not pin its key");
    let started = 0;
    const start = async () => `s_${++started}`;
    assert.equal(await store.stream("s", start), "s_1");
    assert.equal(await store.stream("s", start), "s_1");
  });

  test("OpenAI model names pick agent and action", () => {
    assert.deepEqual(pickModel("claude"), { agent: "claude", action: "plan" });
    assert.deepEqual(pickModel("claude:code"), { agent: "claude", action: "code" });
    assert.deepEqual(pickModel("codex"), { agent: "codex", action: "execute" });
    assert.throws(
      () => pickModel("gpt-4o"),
      (e) => isSynapseError(e, "NOT_FOUND") && /claude:code/.test(e.message),
    );
    assert.throws(
      () => pickModel("gemini:plan"),
      (e) => isSynapseError(e, "NOT_FOUND"),
    );
    assert.equal(MODEL_IDS.length, 8);
  });

  test("the last user message becomes the action's input", () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "first" },
      { role: "assistant", content: "ok" },
      { role: "user", content: [{ type: "text", text: "Build a todo CLI" }] },
    ];
    assert.deepEqual(inputFromMessages("plan", messages), {
      task: "Build a todo CLI",
      context: "Be brief.\n\nfirst",
    });
    assert.deepEqual(inputFromMessages("review", messages), { code: "Build a todo CLI" });
    assert.throws(() => inputFromMessages("plan", [{ role: "system", content: "x" }]), /user message/);
  });

  test("ready when every agent has a healthy, not ejected replica whose breaker is not open", () => {
    const replica = {
      endpoint: "claude#0",
      address: "127.0.0.1:5011",
      healthy: true,
      ejected: false,
      breaker: "closed" as const,
      provider: "sim",
      model: "sim-1",
    };
    assert.deepEqual(readiness([{ agent: "claude", replicas: [replica] }]), { ready: true, reasons: [] });
    const down = readiness([
      { agent: "claude", replicas: [replica] },
      { agent: "codex", replicas: [{ ...replica, breaker: "open" }] },
    ]);
    assert.equal(down.ready, false);
    assert.deepEqual(down.reasons, ["codex: no healthy replica (1 known)"]);
  });
});
