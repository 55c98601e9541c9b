import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CODES,
  codeFromGrpcStatus,
  fromJsonRpcCode,
  GRPC_STATUS,
  JSONRPC_ERROR,
  SynapseError,
  toHttpStatus,
  toJsonRpcCode,
} from "../src/errors.js";

describe("errors", () => {
  test("the code set is gRPC's, without OK", () => {
    assert.equal(CODES.length, 16);
    for (const code of CODES) assert.equal(codeFromGrpcStatus(GRPC_STATUS[code]), code);
    assert.equal(codeFromGrpcStatus(99), "UNKNOWN");
  });

  test("HTTP statuses follow the usual gRPC mapping", () => {
    const expected = {
      INVALID_ARGUMENT: 400,
      UNAUTHENTICATED: 401,
      PERMISSION_DENIED: 403,
      NOT_FOUND: 404,
      RESOURCE_EXHAUSTED: 429,
      UNAVAILABLE: 503,
      DEADLINE_EXCEEDED: 504,
      UNIMPLEMENTED: 501,
      INTERNAL: 500,
    } as const;
    for (const [code, status] of Object.entries(expected)) {
      assert.equal(toHttpStatus(code as keyof typeof expected), status, code);
    }
  });

  test("JSON-RPC codes round-trip for every code that has its own number", () => {
    assert.equal(toJsonRpcCode("INVALID_ARGUMENT"), JSONRPC_ERROR.INVALID_PARAMS);
    assert.equal(toJsonRpcCode("UNIMPLEMENTED"), JSONRPC_ERROR.METHOD_NOT_FOUND);
    assert.equal(toJsonRpcCode("UNAVAILABLE"), -32014);
    for (const code of CODES) {
      const n = toJsonRpcCode(code);
      assert.ok(n <= -32000 && n >= -32700, `${code} → ${n}`);
      assert.equal(fromJsonRpcCode(n), code);
    }
    assert.equal(fromJsonRpcCode(JSONRPC_ERROR.PARSE_ERROR), "INVALID_ARGUMENT");
    assert.equal(fromJsonRpcCode(12345), "UNKNOWN");
  });

  test("from() keeps SynapseErrors, hides foreign messages and maps aborts to CANCELLED", () => {
    const own = new SynapseError("NOT_FOUND", "no such stream", { retryAfterMs: 5 });
    assert.equal(SynapseError.from(own), own);
    const foreign = SynapseError.from(new Error("ENOENT /etc/secret/path"));
    assert.equal(foreign.code, "INTERNAL");
    assert.doesNotMatch(foreign.message, /secret/);
    const ac = new AbortController();
    ac.abort();
    assert.equal(SynapseError.from(ac.signal.reason).code, "CANCELLED");
    assert.deepEqual(own.toJSON(), { code: "NOT_FOUND", message: "no such stream", retryAfterMs: 5 });
  });
});
