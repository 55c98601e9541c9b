import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type AgentRequest, FakeClock, hashText, SynapseError } from "@synapse/core";
import {
  type FallbackEvent,
  type FallbackOptions,
  fallbackInterceptor,
  ResilienceEvents,
  ResponseCache,
  resolveOptions,
  ruleFallback,
} from "../src/index.js";
import { collect, fakeNext, request, response, streaming, unary, unaryOut } from "./helpers/fakes.js";

function setup(fallback: Parameters<typeof resolveOptions>[0] = {}) {
  const clock = new FakeClock();
  const options: FallbackOptions = resolveOptions(fallback).fallback;
  const cache = new ResponseCache({ ttlMs: options.ttlMs, maxEntries: options.maxEntries }, clock);
  const events = new ResilienceEvents();
  const fallbacks: FallbackEvent[] = [];
  events.on("fallback", (e) => fallbacks.push(e));
  let failure: SynapseError | undefined;
  const next = fallbackInterceptor({ options, cache, clock, events })(
    fakeNext({
      unary: async (call) => {
        if (failure) throw failure;
        return response(call.request, `answer to ${JSON.stringify(call.request.input)}`);
      },
      stream: async function* (call) {
        if (failure) throw failure;
        yield { type: "chunk", streamId: "s", seq: 1, text: "a" };
        yield {
          type: "final",
          streamId: "s",
          lastSeq: 1,
          hash: hashText("a"),
          response: response(call.request, "a"),
        };
      },
    }),
  );
  return {
    clock,
    cache,
    fallbacks,
    next,
    invoke: async (req: AgentRequest) => unaryOut(await next(unary(req))),
    fail: (code: SynapseError["code"] = "UNAVAILABLE") => {
      failure = new SynapseError(code, `service ${code}`);
    },
    heal: () => {
      failure = undefined;
    },
  };
}

describe("fallback", () => {
  test("a failing call is answered from the cache within the TTL, marked with its age", async () => {
    const s = setup();
    const fresh = await s.invoke(request("claude", "plan", { task: "t", context: "c" }));
    assert.equal(fresh.fallback, undefined);
    s.fail();
    s.clock.advance(30_000);
    // Same input with its keys in another order: the same request.
    const cached = await s.invoke(request("claude", "plan", { context: "c", task: "t" }));
    assert.deepEqual(cached.fallback, { kind: "cache", ageMs: 30_000 });
    assert.equal(cached.text, fresh.text);
    assert.deepEqual(
      s.fallbacks.map((f) => [f.kind, f.ageMs, f.code]),
      [["cache", 30_000, "UNAVAILABLE"]],
    );
  });

  test("after the TTL (or with no cache) the rule-based answer is returned, marked", async () => {
    const s = setup();
    await s.invoke(request("claude", "plan", { task: "ship the release" }));
    s.fail("DEADLINE_EXCEEDED");
    s.clock.advance(600_001);
    const r = await s.invoke(request("claude", "plan", { task: "ship the release" }));
    assert.deepEqual(r.fallback, { kind: "rule", ageMs: 0 });
    assert.equal(r.provider, "fallback");
    const steps = r.result.steps as { id: number; goal: string; check: string }[];
    assert.ok(steps.length >= 3);
    assert.match(steps[0]?.goal ?? "", /ship the release/);
    assert.equal(s.fallbacks.at(-1)?.kind, "rule");
  });

  test("review: static checks, request_changes when a high-severity check fires", async () => {
    const s = setup();
    s.fail();
    const bad = await s.invoke(
      request("gemini", "review", { code: "const x = 1;\neval(userInput);\nconsole.log(x); // TODO" }),
    );
    assert.equal(bad.result.verdict, "request_changes");
    const comments = bad.result.comments as { location: string; message: string }[];
    assert.deepEqual(
      comments.map((c) => c.location),
      ["code:2", "code:3", "code:3"],
    );
    const ok = await s.invoke(
      request("gemini", "review", { code: `// FIXME later\nconst y = "${"a".repeat(130)}";` }),
    );
    assert.equal(ok.result.verdict, "approve");
    assert.equal((ok.result.comments as unknown[]).length, 2);
    const diff = [
      "--- a/src/x.ts",
      "+++ b/src/x.ts",
      "@@ -10,2 +10,3 @@",
      " keep();",
      "-eval(old);",
      "+eval(added);",
      " done();",
    ].join("\n");
    const fromDiff = await s.invoke(request("gemini", "review", { diff }));
    assert.equal(fromDiff.result.verdict, "request_changes");
    assert.deepEqual(
      (fromDiff.result.comments as { location: string }[]).map((c) => c.location),
      ["src/x.ts:11"],
    );
  });

  test("analyze: the same checks as findings", async () => {
    const s = setup();
    s.fail();
    const r = await s.invoke(request("gemini", "analyze", { text: "eval(a)\nfine\nconsole.log(b)" }));
    assert.deepEqual(r.fallback, { kind: "rule", ageMs: 0 });
    assert.deepEqual(r.result.findings, [
      {
        severity: "high",
        location: "input:1",
        message: "eval() runs arbitrary code; parse the data or use a lookup instead.",
      },
      { severity: "low", location: "input:3", message: "console.log left in; use the logger or remove it." },
    ]);
  });

  test("code has no rule: with nothing cached the failure goes up", async () => {
    const s = setup();
    s.fail();
    await assert.rejects(s.invoke(request("claude", "code", { task: "t" })), /service UNAVAILABLE/);
    assert.equal(ruleFallback(request("claude", "code", { task: "t" })), undefined);
  });

  test("never for codex execute, even when configured and cached", async () => {
    const s = setup({ fallback: { actions: { execute: { enabled: true, useCache: true, useRule: true } } } });
    const req = request("codex", "execute", { command: "ls" });
    await s.invoke(req);
    s.fail();
    await assert.rejects(s.invoke(req), /service UNAVAILABLE/);
    assert.equal(s.fallbacks.length, 0);
  });

  test("per-action switches: disabled, or cache only", async () => {
    const off = setup({ fallback: { actions: { plan: { enabled: false } } } });
    off.fail();
    await assert.rejects(off.invoke(request()), /UNAVAILABLE/);
    const cacheOnly = setup({ fallback: { actions: { plan: { useRule: false } } } });
    cacheOnly.fail();
    await assert.rejects(cacheOnly.invoke(request()), /UNAVAILABLE/);
  });

  test("a caller's mistake is not answered by a fallback", async () => {
    const s = setup();
    s.fail("INVALID_ARGUMENT");
    await assert.rejects(s.invoke(request()), /INVALID_ARGUMENT/);
  });

  test("the cache is bounded: the least recently used entry goes first", () => {
    const clock = new FakeClock();
    const cache = new ResponseCache({ maxEntries: 2 }, clock);
    const a = request("claude", "plan", { task: "a" });
    const b = request("claude", "plan", { task: "b" });
    const c = request("claude", "plan", { task: "c" });
    cache.set(a, response(a));
    cache.set(b, response(b));
    cache.get(a); // a is now more recent than b
    cache.set(c, response(c));
    assert.equal(cache.size, 2);
    assert.ok(cache.get(a));
    assert.equal(cache.get(b), undefined);
    assert.ok(cache.get(c));
  });

  test("fallback answers are never cached", async () => {
    const s = setup();
    s.fail();
    await s.invoke(request());
    assert.equal(s.cache.size, 0);
  });

  test("a stream failing before its first chunk is answered as one chunk + final, marked", async () => {
    const s = setup();
    s.fail();
    const req = { ...request("claude", "plan", { task: "stream it" }), streamId: "s_fb" };
    const out = await s.next(streaming(req));
    const events = await collect(out.events);
    assert.equal(events.length, 2);
    const [chunk, final] = events;
    assert.ok(chunk?.type === "chunk" && final?.type === "final");
    assert.equal(chunk.seq, 1);
    assert.equal(chunk.streamId, "s_fb");
    assert.equal(final.lastSeq, 1);
    assert.equal(final.hash, hashText(chunk.text));
    assert.deepEqual(final.response.fallback, { kind: "rule", ageMs: 0 });
    assert.equal(s.fallbacks[0]?.stream, true);
  });

  test("a successful stream's final response is cached for later unary fallbacks", async () => {
    const s = setup();
    await collect((await s.next(streaming(request()))).events);
    s.fail();
    assert.equal((await s.invoke(request())).fallback?.kind, "cache");
  });
});
