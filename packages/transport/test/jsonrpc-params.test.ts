import assert from "node:assert/strict";
import { test } from "node:test";
import { SynapseError } from "@synapse/core";
import fc from "fast-check";
import { InvokeParamsSchema, parseInvokeParams } from "../src/jsonrpc/agent-params.js";
import type { JsonRpcParams } from "../src/jsonrpc/protocol.js";

/** What the schema alone makes of `params`: the request fields, "invalid" or "not found". */
function bySchema(params: unknown): unknown {
  const parsed = InvokeParamsSchema.safeParse(params);
  if (!parsed.success) return "invalid";
  const { agent, action, input, requestId, streamId, continuation, timeoutMs, metadata } = parsed.data;
  // Only claude's plan is generated as a real pair; every other name is NOT_FOUND after parsing.
  if (agent !== "claude" || action !== "plan") return "not found";
  return { agent, action, input, requestId, streamId, continuation, timeoutMs, metadata: metadata ?? {} };
}

/** What parseInvokeParams makes of `params`, in the same shape (agent and action checked apart). */
function byParser(params: unknown): unknown {
  try {
    const p = parseInvokeParams(params as JsonRpcParams, "agent.invoke");
    const { agent, action, input, requestId, streamId, continuation } = p.request;
    return {
      agent,
      action,
      input,
      requestId,
      streamId,
      continuation,
      timeoutMs: p.timeoutMs,
      metadata: p.metadata,
    };
  } catch (err) {
    assert.ok(err instanceof SynapseError);
    return err.code === "INVALID_ARGUMENT" ? "invalid" : "not found";
  }
}

const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 3 }),
  fc.integer({ min: -2, max: 3 }),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
);
/** Mostly a good value (so whole requests are often valid and the edges get reached), sometimes anything. */
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: anyValue, weight: 1 });

const params = fc.record(
  {
    agent: field(fc.constant("claude")),
    action: field(fc.constant("plan")),
    input: field(
      fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), {
        maxKeys: 2,
        // What JSON.parse gives: objects with Object.prototype.
        noNullPrototype: true,
      }),
    ),
    requestId: field(fc.constantFrom("", "r", "r".repeat(256), "r".repeat(257))),
    streamId: field(fc.constantFrom("", "s", "s".repeat(256), "s".repeat(257))),
    continuation: field(
      fc.record({
        text: field(fc.string()),
        afterSeq: field(fc.integer({ min: -1, max: 5 })),
        extra: fc.string(),
      }),
    ),
    timeoutMs: field(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(2_147_483_648), fc.double())),
    metadata: field(
      fc.dictionary(fc.string({ maxLength: 3 }), field(fc.string()), { maxKeys: 2, noNullPrototype: true }),
    ),
    other: fc.string(),
  },
  { requiredKeys: [] },
);

test("agent.invoke params: the hand check accepts exactly what the schema accepts, with the same values", () => {
  fc.assert(
    fc.property(fc.oneof(params, anyValue, fc.array(fc.string(), { maxLength: 3 })), (p) => {
      const schema = bySchema(p);
      const parser = byParser(p);
      if (schema === "invalid") assert.equal(parser, "invalid");
      else assert.deepEqual(parser, schema);
    }),
    { numRuns: 2000 },
  );
});

test("agent.invoke params that the schema refuses keep its message", () => {
  assert.throws(
    () =>
      parseInvokeParams({ agent: "claude", action: "plan", input: {}, metadata: { a: 1 } }, "agent.invoke"),
    /^SynapseError: Invalid params for agent.invoke: params\.metadata\.a: /,
  );
});
