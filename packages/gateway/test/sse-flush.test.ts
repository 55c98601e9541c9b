import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import { test } from "node:test";
import { flushNow, SseWriter } from "../src/sse.js";

/** Serves one request with `handle`, fetches it, and returns what `handle` observed. */
async function serve<T>(handle: (res: ServerResponse) => Promise<T>): Promise<T> {
  let observed: Promise<T> | undefined;
  const server = createServer((_req, res) => {
    observed = handle(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const address = server.address();
    const res = await fetch(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`);
    await res.text();
    return await observed!;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test("flushNow hands what was written to the socket at once instead of on the next tick", async () => {
  const corked = await serve(async (res) => {
    res.writeHead(200);
    res.write("a");
    const before = res.socket?.writableCorked;
    flushNow(res);
    const after = res.socket?.writableCorked;
    res.end();
    return { before, after };
  });
  assert.deepEqual(corked, { before: 1, after: 0 });
});

test("SseWriter flushes its head and first event at once, then lets later events batch", async () => {
  const corked = await serve(async (res) => {
    const sse = new SseWriter(res, { heartbeatMs: 60_000 });
    const head = res.socket?.writableCorked;
    await sse.send("chunk", { seq: 1 }, "s:1");
    const first = res.socket?.writableCorked;
    await sse.send("chunk", { seq: 2 }, "s:2");
    const second = res.socket?.writableCorked;
    sse.end();
    return { head, first, second };
  });
  assert.deepEqual(corked, { head: 0, first: 0, second: 1 });
});
