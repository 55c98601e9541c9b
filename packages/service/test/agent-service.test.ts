import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ACTIONS_BY_AGENT,
  AGENTS,
  FakeClock,
  hashText,
  RESULT_SCHEMAS,
  type StreamChunk,
} from "@synapse/core";
import { complete, SimProvider } from "@synapse/providers";
import { AgentService, type CallRecord } from "../src/index.js";
import { captureLogger, ctx, drain, rejection, req, SpyProvider } from "./helpers.js";

const INPUTS = {
  plan: { task: "Plan a URL shortener" },
  code: { task: "Write a URL shortener" },
  analyze: { text: "eval(x)\n// TODO\n" },
  review: { code: "const a = 1;\n" },
  execute: { command: "ls -la /tmp" },
} as const;

const TASK = { task: "Design a rate limiter for uploads" };

describe("AgentService", () => {
  test("invoke answers every action of every agent with a valid result, text, usage and provenance", async () => {
    for (const agent of AGENTS) {
      const clock = new FakeClock();
      const service = new AgentService({ agent, provider: new SimProvider({ clock }), clock });
      for (const action of ACTIONS_BY_AGENT[agent]) {
        const res = await service.invoke(req(agent, action, INPUTS[action]), ctx());
        assert.equal(res.agent, agent);
        assert.equal(res.action, action);
        assert.ok(RESULT_SCHEMAS[action].safeParse(res.result).success, `${agent}.${action}`);
        assert.ok(res.text.length > 0);
        assert.equal(res.provider, "sim");
        assert.equal(res.model, "sim-1");
        assert.ok(res.usage.inputTokens > 0 && res.usage.outputTokens > 0);
        assert.equal(res.latencyMs, 0, "latency measured on the service's clock");
      }
    }
  });

  test("a call for another agent is NOT_FOUND naming where that agent lives", async () => {
    const spy = new SpyProvider(new SimProvider());
    const service = new AgentService({ agent: "claude", provider: spy });
    const err = await rejection(service.invoke(req("gemini", "review", INPUTS.review), ctx()));
    assert.equal(err.code, "NOT_FOUND");
    assert.match(err.message, /"gemini" is not served here: this is the claude service.*5012.*5002/);
    assert.equal((await rejection(service.invoke(req("gpt", "plan", TASK), ctx()))).code, "NOT_FOUND");
    const noAction = await rejection(drain(service.stream(req("claude", "review", INPUTS.review), ctx())));
    assert.equal(noAction.code, "NOT_FOUND");
    assert.match(noAction.message, /no action "review".*plan, code/);
    assert.equal(spy.calls.length, 0, "nothing reaches the provider");
  });

  test("invalid input, streamId or continuation is INVALID_ARGUMENT and never reaches the provider", async () => {
    const spy = new SpyProvider(new SimProvider());
    const service = new AgentService({ agent: "claude", provider: spy });
    const bad = [
      req("claude", "plan", {}),
      req("claude", "plan", { task: "x", extra: 1 }),
      req("claude", "plan", { task: 5 }),
      req("claude", "plan", TASK, { streamId: "has spaces" }),
      req("claude", "plan", TASK, { continuation: { text: "x", afterSeq: -1 } }),
      req("claude", "plan", TASK, { continuation: { afterSeq: 1 } as never }),
    ];
    for (const r of bad) {
      const err = await rejection(drain(service.stream(r, ctx())));
      assert.equal(err.code, "INVALID_ARGUMENT", `${JSON.stringify(r)}: ${err.message}`);
    }
    const err = await rejection(service.invoke(req("claude", "plan", {}), ctx()));
    assert.match(err.message, /input\.task/);
    assert.equal(spy.calls.length, 0);
  });

  test("a stream numbers chunks from 1 and ends with lastSeq and the hash of the full text", async () => {
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider(),
      newStreamId: () => "s_fixed",
    });
    const events = await drain(service.stream(req("claude", "plan", TASK), ctx()));
    const chunks = events.filter((e): e is StreamChunk => e.type === "chunk");
    const final = events.at(-1)!;
    assert.equal(final.type, "final");
    assert.equal(events.filter((e) => e.type === "final").length, 1);
    assert.deepEqual(
      chunks.map((c) => c.seq),
      chunks.map((_, i) => i + 1),
    );
    assert.ok(events.every((e) => e.streamId === "s_fixed"));
    if (final.type !== "final") return;
    const text = chunks.map((c) => c.text).join("");
    assert.equal(final.lastSeq, chunks.length);
    assert.equal(final.hash, hashText(text));
    assert.equal(final.response.text, text);
    assert.equal(final.response.usage.outputTokens, chunks.length);
    const unary = await service.invoke(req("claude", "plan", TASK), ctx());
    assert.equal(unary.text, text, "stream and unary agree");
  });

  test("a continued stream keeps its id, numbers from afterSeq + 1 and hashes the whole text", async () => {
    const sim = new SimProvider();
    const service = new AgentService({ agent: "claude", provider: sim });
    const whole = await complete(sim, {
      agent: "claude",
      action: "plan",
      input: TASK,
      signal: new AbortController().signal,
    });
    const first = await drain(service.stream(req("claude", "plan", TASK, { streamId: "s_a" }), ctx()));
    const delivered = first
      .slice(0, 5)
      .map((e) => (e.type === "chunk" ? e.text : ""))
      .join("");
    const rest = await drain(
      service.stream(
        req("claude", "plan", TASK, { streamId: "s_a", continuation: { text: delivered, afterSeq: 5 } }),
        ctx(),
      ),
    );
    assert.deepEqual(
      rest.slice(0, 2).map((e) => (e.type === "chunk" ? e.seq : -1)),
      [6, 7],
    );
    const final = rest.at(-1)!;
    assert.ok(final.type === "final");
    assert.equal(final.streamId, "s_a");
    assert.equal(final.lastSeq, first.length - 1);
    assert.equal(final.hash, hashText(whole.text));
    assert.equal(final.response.text, whole.text);
    assert.deepEqual(rest.slice(0, -1), first.slice(5, -1));
  });

  test("onCallEnd and the logs see each call with its request id, kind, action and code", async () => {
    const records: CallRecord[] = [];
    const { logger, lines } = captureLogger();
    const service = new AgentService({
      agent: "claude",
      provider: new SimProvider(),
      logger,
      onCallEnd: (r) => records.push(r),
    });
    await service.invoke(req("claude", "plan", TASK, { requestId: "from-request" }), ctx());
    await service.invoke(
      req("claude", "plan", TASK, { requestId: "ignored" }),
      ctx({ metadata: { "x-request-id": "from-metadata" } }),
    );
    await drain(service.stream(req("claude", "code", TASK), ctx()));
    await rejection(service.invoke(req("claude", "plan", {}, { requestId: "bad-one" }), ctx()));
    assert.deepEqual(
      records.map((r) => [r.kind, r.action, r.code]),
      [
        ["invoke", "plan", "OK"],
        ["invoke", "plan", "OK"],
        ["stream", "code", "OK"],
        ["invoke", "unknown", "INVALID_ARGUMENT"],
      ],
    );
    assert.equal(records[0]!.requestId, "from-request");
    assert.equal(records[1]!.requestId, "from-metadata");
    assert.match(records[2]!.requestId, /^[0-9a-f]{32}$/);
    const logged = lines();
    assert.deepEqual(
      logged.map((l) => l.requestId),
      ["from-request", "from-metadata", records[2]!.requestId, "bad-one"],
    );
    assert.equal(logged[3]!.code, "INVALID_ARGUMENT");
    assert.ok(typeof logged[2]!.streamId === "string");
  });

  test("describe names the agent, its actions, the provider and the replica", () => {
    const service = new AgentService({ agent: "gemini", provider: new SimProvider(), replica: 2 });
    const d = service.describe();
    assert.deepEqual(
      d.actions.map((a) => a.name),
      ["analyze", "review"],
    );
    assert.equal(d.provider, "sim");
    assert.equal(d.model, "sim-1");
    assert.equal(d.replica, 2);
    assert.equal(d.isolation, "none");
  });
});
