import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { FormData } from "undici";
import { createPooledFetch } from "../src/ai-sdk/index.js";

let server: Server;
let origin = "";
const pooled = createPooledFetch();

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      if (req.url === "/echo") {
        res.writeHead(201, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] });
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization }));
      } else if (req.url === "/moved") {
        res.writeHead(307, { location: "/echo" });
        res.end();
      } else if (req.url === "/empty") {
        res.writeHead(204);
        res.end();
      } else if (req.url === "/stream") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: 1\n\n");
        setTimeout(() => res.end("data: 2\n\n"), 5);
      } else if (req.url === "/hang") {
        res.writeHead(200);
        res.write("partial");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
after(async () => {
  await pooled.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("createPooledFetch", () => {
  test("a JSON POST comes back as a Response: status, every header, body", async () => {
    const res = await pooled.fetch(`${origin}/echo`, {
      method: "POST",
      headers: new Headers({ authorization: "Bearer k", "content-type": "application/json" }),
      body: '{"x":1}',
    });
    assert.equal(res.status, 201);
    assert.equal(res.ok, true);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(res.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.deepEqual(await res.json(), { method: "POST", body: '{"x":1}', auth: "Bearer k" });
  });

  test("redirects are followed; a 204 has a null body", async () => {
    const moved = await pooled.fetch(`${origin}/moved`, { method: "POST", body: "hi" });
    assert.equal(moved.status, 201);
    assert.equal(((await moved.json()) as { body: string }).body, "hi");
    const empty = await pooled.fetch(`${origin}/empty`);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
  });

  test("a streamed body arrives chunk by chunk as a web stream", async () => {
    const res = await pooled.fetch(`${origin}/stream`);
    assert.equal(await res.text(), "data: 1\n\ndata: 2\n\n");
  });

  test("a connection failure is fetch's TypeError with the cause; an abort rejects with the signal's reason", async () => {
    const refused = await pooled
      .fetch("http://127.0.0.1:1/", { method: "POST", body: "{}" })
      .catch((e: unknown) => e);
    assert.ok(refused instanceof TypeError && refused.message === "fetch failed");
    assert.ok(refused.cause instanceof Error);
    const controller = new AbortController();
    const reason = new Error("stop");
    const hanging = pooled.fetch(`${origin}/hang`, { signal: controller.signal });
    const res = await hanging;
    const reading = res.text();
    controller.abort(reason);
    await assert.rejects(reading);
    const early = new AbortController();
    early.abort(reason);
    await assert.rejects(pooled.fetch(`${origin}/echo`, { signal: early.signal }), (e) => e === reason);
  });

  test("other bodies (undici's FormData) still work, through undici's fetch", async () => {
    const form = new FormData();
    form.set("a", "b");
    const res = await pooled.fetch(`${origin}/echo`, {
      method: "POST",
      body: form as unknown as RequestInit["body"],
    });
    assert.match(((await res.json()) as { body: string }).body, /name="a"/);
  });
});
