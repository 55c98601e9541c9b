/**
 * The examples of the JSON-RPC 2.0 specification, section 7 (https://www.jsonrpc.org/specification),
 * replayed against the server with the spec's methods registered through `server.method`.
 * Answers must equal the spec's; our errors add `error.data` (the exact code and the reason),
 * which the spec allows, so it is compared separately. Batch answers are compared as sets by id.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SynapseError } from "@synapse/core";
import { createJsonRpcServer, type JsonRpcServer } from "../src/jsonrpc/index.js";
import { RawClient, T } from "./jsonrpc-fixtures.js";

type Message = Record<string, unknown>;

function withoutData(message: unknown): unknown {
  const m = message as Message;
  if (typeof m.error !== "object" || m.error === null) return m;
  const { data: _data, ...error } = m.error as Message;
  return { ...m, error };
}

function byId(messages: unknown): unknown[] {
  assert.ok(Array.isArray(messages), `expected a batch answer, got ${JSON.stringify(messages)}`);
  return messages.map(withoutData).sort((a, b) => {
    const ka = JSON.stringify((a as Message).id);
    const kb = JSON.stringify((b as Message).id);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

describe("JSON-RPC 2.0 specification examples (section 7)", () => {
  let server: JsonRpcServer;
  let client: RawClient;
  const hellos: unknown[] = [];

  before(async () => {
    server = createJsonRpcServer()
      .method("subtract", (params) => {
        if (Array.isArray(params) && typeof params[0] === "number" && typeof params[1] === "number") {
          return params[0] - params[1];
        }
        if (params !== undefined && !Array.isArray(params)) {
          const { minuend, subtrahend } = params;
          if (typeof minuend === "number" && typeof subtrahend === "number") return minuend - subtrahend;
        }
        throw new SynapseError(
          "INVALID_ARGUMENT",
          "subtract takes [minuend, subtrahend] or {minuend, subtrahend}.",
        );
      })
      .method("sum", (params) =>
        Array.isArray(params) ? params.reduce((a: number, b) => a + Number(b), 0) : 0,
      )
      .method("notify_hello", (params) => {
        hellos.push(params);
      })
      .method("get_data", () => ["hello", 5]);
    const port = await server.listen(0);
    client = await RawClient.connect(port);
  });

  after(async () => {
    await client.close();
    await server.close(0);
  });

  test("rpc call with positional parameters", T, async () => {
    assert.deepEqual(await client.request(1, "subtract", [42, 23]), { jsonrpc: "2.0", result: 19, id: 1 });
    assert.deepEqual(await client.request(2, "subtract", [23, 42]), { jsonrpc: "2.0", result: -19, id: 2 });
  });

  test("rpc call with named parameters", T, async () => {
    assert.deepEqual(await client.request(3, "subtract", { subtrahend: 23, minuend: 42 }), {
      jsonrpc: "2.0",
      result: 19,
      id: 3,
    });
    assert.deepEqual(await client.request(4, "subtract", { minuend: 42, subtrahend: 23 }), {
      jsonrpc: "2.0",
      result: 19,
      id: 4,
    });
  });

  test("a notification gets no answer", T, async () => {
    client.write('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}\n');
    client.write('{"jsonrpc": "2.0", "method": "foobar"}\n');
    client.write('{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}\n');
    // The next line must answer the next request: nothing came for the notifications.
    assert.deepEqual(await client.request("after", "get_data"), {
      jsonrpc: "2.0",
      result: ["hello", 5],
      id: "after",
    });
    assert.deepEqual(hellos.at(-1), [7]);
  });

  test("rpc call of a non-existent method", T, async () => {
    const answer = await client.request("1", "foobar");
    assert.deepEqual(withoutData(answer), {
      jsonrpc: "2.0",
      error: { code: -32601, message: "Method not found" },
      id: "1",
    });
    assert.equal((answer.error as { data: { code: string } }).data.code, "UNIMPLEMENTED");
  });

  test("rpc call with invalid JSON", T, async () => {
    client.write('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]\n');
    const answer = await client.next();
    assert.deepEqual(withoutData(answer), {
      jsonrpc: "2.0",
      error: { code: -32700, message: "Parse error" },
      id: null,
    });
    assert.equal((answer as { error: { data: { code: string } } }).error.data.code, "INVALID_ARGUMENT");
  });

  test("rpc call with invalid Request object", T, async () => {
    client.write('{"jsonrpc": "2.0", "method": 1, "params": "bar"}\n');
    assert.deepEqual(withoutData(await client.next()), {
      jsonrpc: "2.0",
      error: { code: -32600, message: "Invalid Request" },
      id: null,
    });
  });

  test("rpc call batch, invalid JSON", T, async () => {
    // One line: the framing is newline-delimited, so the spec's pretty-printed batch is sent flat.
    client.write(
      '[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]\n',
    );
    assert.deepEqual(withoutData(await client.next()), {
      jsonrpc: "2.0",
      error: { code: -32700, message: "Parse error" },
      id: null,
    });
  });

  test("rpc call with an empty Array", T, async () => {
    client.write("[]\n");
    assert.deepEqual(withoutData(await client.next()), {
      jsonrpc: "2.0",
      error: { code: -32600, message: "Invalid Request" },
      id: null,
    });
  });

  test("rpc call with an invalid Batch (but not empty)", T, async () => {
    client.write("[1]\n");
    assert.deepEqual(byId(await client.next()), [
      { jsonrpc: "2.0", error: { code: -32600, message: "Invalid Request" }, id: null },
    ]);
  });

  test("rpc call with invalid Batch", T, async () => {
    client.write("[1,2,3]\n");
    const invalid = { jsonrpc: "2.0", error: { code: -32600, message: "Invalid Request" }, id: null };
    assert.deepEqual(byId(await client.next()), [invalid, invalid, invalid]);
  });

  test("rpc call Batch", T, async () => {
    client.send([
      { jsonrpc: "2.0", method: "sum", params: [1, 2, 4], id: "1" },
      { jsonrpc: "2.0", method: "notify_hello", params: [7] },
      { jsonrpc: "2.0", method: "subtract", params: [42, 23], id: "2" },
      { foo: "boo" },
      { jsonrpc: "2.0", method: "foo.get", params: { name: "myself" }, id: "5" },
      { jsonrpc: "2.0", method: "get_data", id: "9" },
    ]);
    assert.deepEqual(
      byId(await client.next()),
      byId([
        { jsonrpc: "2.0", result: 7, id: "1" },
        { jsonrpc: "2.0", result: 19, id: "2" },
        { jsonrpc: "2.0", error: { code: -32600, message: "Invalid Request" }, id: null },
        { jsonrpc: "2.0", error: { code: -32601, message: "Method not found" }, id: "5" },
        { jsonrpc: "2.0", result: ["hello", 5], id: "9" },
      ]),
    );
  });

  test("rpc call Batch (all notifications) gets nothing", T, async () => {
    client.send([
      { jsonrpc: "2.0", method: "notify_sum", params: [1, 2, 4] },
      { jsonrpc: "2.0", method: "notify_hello", params: [7] },
    ]);
    assert.deepEqual(await client.request("after-batch", "get_data"), {
      jsonrpc: "2.0",
      result: ["hello", 5],
      id: "after-batch",
    });
  });
});
