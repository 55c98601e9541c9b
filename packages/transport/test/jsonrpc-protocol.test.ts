/** Units of the wire layer: line framing and its limit, request validation, error conversion. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SynapseError } from "@synapse/core";
import { synapseFromJsonRpc } from "../src/jsonrpc/index.js";
import { LineReader } from "../src/jsonrpc/line-reader.js";
import { errorFromSynapse, InvalidRequest, validateRequest } from "../src/jsonrpc/protocol.js";

function reader(max: number) {
  const lines: string[] = [];
  let oversized = 0;
  const r = new LineReader(
    max,
    (line) => lines.push(line),
    () => {
      oversized += 1;
    },
  );
  return { r, lines, oversized: () => oversized };
}

describe("LineReader", () => {
  test("splits several lines in one chunk and joins a line split across chunks", () => {
    const { r, lines } = reader(100);
    r.push(Buffer.from('{"a":1}\n{"b":2}\n{"c"'));
    r.push(Buffer.from(":3"));
    r.push(Buffer.from("}\n"));
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  test("a multi-byte UTF-8 character split across chunks is decoded whole", () => {
    const { r, lines } = reader(100);
    const bytes = Buffer.from('"héllo €"\n', "utf8");
    const euro = bytes.indexOf(0xe2); // first byte of the 3-byte euro sign
    r.push(bytes.subarray(0, euro + 1));
    r.push(bytes.subarray(euro + 1));
    assert.deepEqual(lines, ['"héllo €"']);
  });

  test("a line of exactly the limit passes; one byte more is refused", () => {
    const ok = reader(10);
    ok.r.push(Buffer.from(`${"x".repeat(10)}\n`));
    assert.deepEqual(ok.lines, ["x".repeat(10)]);
    const over = reader(10);
    over.r.push(Buffer.from(`${"x".repeat(11)}\n`));
    assert.deepEqual(over.lines, []);
    assert.equal(over.oversized(), 1);
  });

  test("refuses as soon as the limit passes without a newline, and stops reading", () => {
    const { r, lines, oversized } = reader(10);
    r.push(Buffer.from("x".repeat(6)));
    assert.equal(oversized(), 0);
    r.push(Buffer.from("x".repeat(6))); // 12 bytes buffered, still no newline
    assert.equal(oversized(), 1);
    r.push(Buffer.from("\n{}\n"));
    assert.deepEqual(lines, []);
    assert.equal(oversized(), 1);
  });
});

describe("validateRequest", () => {
  const invalid = (message: unknown) => {
    const v = validateRequest(message);
    assert.ok(v instanceof InvalidRequest, `expected invalid: ${JSON.stringify(message)}`);
    return v;
  };

  test("accepts requests and notifications, params by position or by name", () => {
    assert.deepEqual(validateRequest({ jsonrpc: "2.0", id: 1, method: "m", params: [1] }), {
      id: 1,
      method: "m",
      params: [1],
    });
    assert.deepEqual(validateRequest({ jsonrpc: "2.0", method: "m", params: { a: 1 } }), {
      id: undefined,
      method: "m",
      params: { a: 1 },
    });
    assert.deepEqual(validateRequest({ jsonrpc: "2.0", id: null, method: "m" }), {
      id: null,
      method: "m",
      params: undefined,
    });
  });

  test("refuses what the spec refuses, answering to the id when it could be read", () => {
    assert.equal(invalid({ id: 1, method: "m" }).id, 1); // no jsonrpc
    assert.equal(invalid({ jsonrpc: "1.0", id: "a", method: "m" }).id, "a");
    assert.equal(invalid({ jsonrpc: "2.0", id: 2, method: 5 }).id, 2);
    assert.equal(invalid({ jsonrpc: "2.0", id: 3, method: "m", params: "x" }).id, 3);
    assert.equal(invalid({ jsonrpc: "2.0", id: 3, method: "m", params: null }).id, 3);
    assert.equal(invalid({ jsonrpc: "2.0", id: { x: 1 }, method: "m" }).id, null);
    assert.equal(invalid("text").id, null);
    assert.equal(invalid(null).id, null);
  });
});

describe("error conversion", () => {
  test("a SynapseError round-trips with its code, message, pushback and details", () => {
    const err = new SynapseError("RESOURCE_EXHAUSTED", "Slow down.", {
      retryAfterMs: 250,
      details: { q: 1 },
    });
    const wire = errorFromSynapse(err);
    assert.equal(wire.code, -32008);
    const back = synapseFromJsonRpc(JSON.parse(JSON.stringify(wire)));
    assert.equal(back.code, "RESOURCE_EXHAUSTED");
    assert.equal(back.message, "Slow down.");
    assert.equal(back.retryAfterMs, 250);
    assert.deepEqual(back.details, { q: 1 });
  });

  test("data.code wins over the JSON-RPC code", () => {
    assert.equal(
      synapseFromJsonRpc({ code: -32603, message: "x", data: { code: "DATA_LOSS" } }).code,
      "DATA_LOSS",
    );
    assert.equal(synapseFromJsonRpc({ code: -32603, message: "x", data: { code: "NOPE" } }).code, "INTERNAL");
  });

  test("without data.code the JSON-RPC code decides; a standard error keeps its reason", () => {
    assert.equal(synapseFromJsonRpc({ code: -32601, message: "Method not found" }).code, "UNIMPLEMENTED");
    assert.equal(synapseFromJsonRpc({ code: -32014, message: "x" }).code, "UNAVAILABLE");
    assert.equal(synapseFromJsonRpc({ code: 42, message: "x" }).code, "UNKNOWN");
    assert.equal(synapseFromJsonRpc("nonsense").code, "INTERNAL");
    const withReason = synapseFromJsonRpc({
      code: -32600,
      message: "Invalid Request",
      data: { code: "INVALID_ARGUMENT", details: { reason: "no method" } },
    });
    assert.equal(withReason.message, "Invalid Request: no method");
  });
});
