import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Struct } from "../src/generated/google/protobuf/struct.js";
import { InvokeRequest, InvokeResponse } from "../src/generated/synapse/v1/agent.js";
import { installStructCodec } from "../src/grpc/struct-codec.js";

// This file imports nothing that installs the codec, so these are ts-proto's own functions.
const generated = { encode: Struct.encode, decode: Struct.decode, wrap: Struct.wrap, unwrap: Struct.unwrap };
installStructCodec();
const direct = { encode: Struct.encode, decode: Struct.decode, wrap: Struct.wrap, unwrap: Struct.unwrap };

/** `f` run with the generated Struct functions in place (the nested calls go through the object too). */
function usingGenerated<T>(f: () => T): T {
  Object.assign(Struct, generated);
  try {
    return f();
  } finally {
    Object.assign(Struct, direct);
  }
}

type Outcome = { value: unknown } | { error: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { value: f() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const request = (input: unknown): InvokeRequest => ({
  agent: "claude",
  action: "plan",
  input: input as InvokeRequest["input"],
  requestId: "r",
  streamId: "",
  continuation: undefined,
});

const encodeRequest = (input: unknown) => InvokeRequest.encode(request(input)).finish();

// JSON-like values with what a Struct cannot say exactly: undefined members, holes, -0, NaN,
// `__proto__` keys (as JSON.parse makes them) and the empty key.
const key = fc.oneof(fc.string(), fc.constantFrom("__proto__", "", "constructor", "0", "10"));
const leaf = fc.oneof(
  fc.string({ unit: "grapheme" }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 5 }).map((items) => {
    if (items.length > 2) delete items[1];
    return items;
  }),
  object: fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((entries) => {
    const object: Record<string, unknown> = {};
    for (const [k, v] of entries)
      Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
    return object;
  }),
}));
const input = fc.oneof(value, fc.dictionary(fc.string(), value));

test("a Struct encodes to the generated encoder's bytes, for any JSON-like value", () => {
  fc.assert(
    fc.property(input, (v) => {
      assert.deepEqual(
        outcome(() => encodeRequest(v)),
        usingGenerated(() => outcome(() => encodeRequest(v))),
      );
    }),
    { numRuns: 3000 },
  );
  // Values a Struct cannot hold fail the same way.
  assert.deepEqual(
    outcome(() => encodeRequest({ n: 1n })),
    usingGenerated(() => outcome(() => encodeRequest({ n: 1n }))),
  );
  assert.throws(() => encodeRequest({ f: () => 1 }), /Unsupported any value type: function/);
});

test("a Struct decodes to the generated decoder's value, for encoded values and for any bytes", () => {
  const decodeRequest = (bytes: Uint8Array) => outcome(() => InvokeRequest.decode(bytes));
  fc.assert(
    fc.property(input, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }), (v, flips) => {
      const encoded = usingGenerated(() => outcome(() => encodeRequest(v)));
      if (!("value" in encoded)) return; // null, say: no Struct to decode
      const bytes = encoded.value as Uint8Array;
      const got = decodeRequest(bytes);
      assert.deepEqual(
        got,
        usingGenerated(() => decodeRequest(bytes)),
      );
      // Damaged bytes: unknown tags and wire types skipped, truncation and bad lengths refused, alike.
      const damaged = Uint8Array.from(bytes);
      for (const [at, byte] of flips) if (damaged.length > 0) damaged[at % damaged.length] = byte;
      assert.deepEqual(
        decodeRequest(damaged),
        usingGenerated(() => decodeRequest(damaged)),
      );
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const framed = Uint8Array.from([26, bytes.length, ...bytes]);
      assert.deepEqual(
        decodeRequest(framed),
        usingGenerated(() => decodeRequest(framed)),
      );
    }),
    { numRuns: 3000 },
  );
});

test("decoding keeps the generated limit of 100 nested messages, and drops __proto__ keys", () => {
  let deep: unknown = "x";
  for (let i = 0; i < 40; i++) deep = { d: deep };
  const bytes = usingGenerated(() => encodeRequest({ deep }));
  assert.throws(() => InvokeRequest.decode(bytes), /recursion limit exceeded/);
  assert.throws(() => usingGenerated(() => InvokeRequest.decode(bytes)), /recursion limit exceeded/);
  const polluted = JSON.parse('{"__proto__": {"admin": true}, "a": [{"__proto__": 1}]}');
  const decoded = InvokeRequest.decode(usingGenerated(() => encodeRequest(polluted))).input as Record<
    string,
    unknown
  >;
  assert.deepEqual(decoded, { a: [{}] });
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.deepEqual(
    encodeRequest(polluted),
    usingGenerated(() => encodeRequest(polluted)),
  );
});

test("an answer's result round-trips through the direct codec", () => {
  const answer: InvokeResponse = {
    result: {
      agent: "claude",
      action: "plan",
      text: "1. Do it",
      result: { steps: [{ id: 1, goal: "Do it", check: "it is done", tags: ["a", null, true] }] },
      usage: { inputTokens: 3, outputTokens: 4 },
      provider: "sim",
      model: "sim-1",
      latencyMs: 12,
      fallback: undefined,
    },
  };
  const bytes = InvokeResponse.encode(answer).finish();
  assert.deepEqual(
    bytes,
    usingGenerated(() => InvokeResponse.encode(answer).finish()),
  );
  assert.deepEqual(InvokeResponse.decode(bytes), answer);
});
