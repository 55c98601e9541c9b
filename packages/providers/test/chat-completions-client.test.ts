import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SynapseError } from "@synapse/core";
import { isOpenAiReasoningModel } from "../src/chat-completions/index.js";
import { ChatCompletionsClient, createApiClient, createPooledFetch } from "../src/index.js";
import type { LlmClient } from "../src/llm.js";
import { describeApiContract, drain, failure, HELLO, hints, KEY, request } from "./api-contract.js";
import { type FakeVendor, json, sse, startFakeVendor } from "./fake-vendor-server.js";
import { answer, streamEvents } from "./vendor-wire.js";

describeApiContract("the Chat Completions client", ["openai", "openai-compatible"], (o) => {
  const client = createApiClient(o);
  assert.ok(client instanceof ChatCompletionsClient, "createApiClient picks the lean client");
  return client;
});

const SCHEMA = Object.freeze({
  name: "plan",
  schema: Object.freeze({ type: "object", required: ["steps"] }),
});

describe("the Chat Completions client, beyond the shared contract", () => {
  let fake: FakeVendor;
  const pool = createPooledFetch();
  const clients: LlmClient[] = [];
  const make = (vendor: "openai" | "openai-compatible", model = "m", extra = {}) => {
    const client = createApiClient({
      vendor,
      model,
      baseUrl: `${fake.baseUrl}/`,
      hints: hints(vendor),
      pool,
      ...extra,
    });
    clients.push(client);
    return client;
  };
  before(async () => {
    fake = await startFakeVendor("/v1");
  });
  after(async () => {
    for (const c of clients) await c.close();
    await pool.close();
    await fake.close();
  });

  test("sends the body the AI SDK sent: messages, non-strict JSON schema, usage for streams", async () => {
    fake.script(answer("openai", HELLO));
    const client = make("openai-compatible", "llama3.2", { apiKey: KEY });
    await client.complete(request(undefined, { output: SCHEMA }));
    const whole = fake.requests.at(-1)!;
    assert.equal(whole.url, "/v1/chat/completions", "one slash between the base URL and the route");
    assert.equal(whole.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(whole.body, {
      model: "llama3.2",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Say hello." },
      ],
      response_format: {
        type: "json_schema",
        json_schema: { schema: { type: "object", required: ["steps"] }, strict: false, name: "plan" },
      },
    });
    await drain(client.stream(request(undefined, { prompt: 'quote " and \n newline' })));
    const streamed = fake.requests.at(-1)!;
    assert.deepEqual(streamed.body, {
      model: "llama3.2",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: 'quote " and \n newline' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test("no key, no authorization header", async () => {
    fake.script(answer("openai-compatible", HELLO));
    await make("openai-compatible").complete(request());
    assert.equal(fake.requests.at(-1)!.headers.authorization, undefined);
  });

  test("OpenAI's reasoning models get the system prompt as a developer message", async () => {
    fake.script(answer("openai", HELLO));
    await make("openai", "o4-mini").complete(request());
    const messages = fake.requests.at(-1)!.body.messages as { role: string }[];
    assert.equal(messages[0]?.role, "developer");
    for (const m of ["o1", "o3-mini", "gpt-5", "gpt-5.1", "gpt-5-mini"])
      assert.ok(isOpenAiReasoningModel(m), m);
    for (const m of ["gpt-4.1-mini", "gpt-4o", "gpt-5-chat-latest", "llama3.2"])
      assert.ok(!isOpenAiReasoningModel(m), m);
  });

  test("an error chunk inside the stream ends it with the error's code, after the text", async () => {
    fake.script((_req, res) =>
      sse(res, [
        streamEvents("openai", HELLO)[0]!,
        [undefined, { error: { message: "Rate limit reached", type: "rate_limit_error" } }],
      ]),
    );
    const got: unknown[] = [];
    const err = await failure(
      (async () => {
        for await (const e of make("openai").stream(request())) got.push(e);
      })(),
    );
    assert.equal(err.code, "RESOURCE_EXHAUSTED");
    assert.deepEqual(got, [{ type: "text", text: "Hel" }]);
  });

  test("an error body with status 200 is mapped, not taken as an empty answer", async () => {
    fake.script((_req, res) =>
      json(res, 200, { error: { message: "model overloaded", type: "overloaded" } }),
    );
    const err = await failure(make("openai-compatible").complete(request()));
    assert.equal(err.code, "UNAVAILABLE");
    assert.match(err.message, /model overloaded/);
  });

  test("a non-JSON error body names the HTTP status; a JSON non-answer is malformed", async () => {
    fake.script((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>bad gateway</html>");
    });
    const err = await failure(make("openai-compatible").complete(request()));
    assert.equal(err.code, "UNAVAILABLE");
    assert.match(err.message, /HTTP 502 \(Bad Gateway\)/);
    fake.script((_req, res) => json(res, 200, { choices: "none" }));
    const bad = await failure(make("openai-compatible").complete(request()));
    assert.match(bad.message, /malformed/);
  });

  test("a stream that ends without a finish reason or [DONE] ended early; one with a finish reason did not", async () => {
    const events = streamEvents("openai-compatible", HELLO);
    fake.script((_req, res) => sse(res, events.slice(0, 2)));
    const err = await failure(drain(make("openai-compatible").stream(request())));
    assert.equal(err.code, "UNAVAILABLE");
    assert.match(err.message, /ended early/);
    // No [DONE] and no usage chunk (some servers): complete, with zero usage.
    fake.script((_req, res) => sse(res, events.slice(0, HELLO.deltas.length + 1)));
    const got = await drain(make("openai-compatible").stream(request()));
    assert.deepEqual(got.at(-1), { type: "done", usage: { inputTokens: 0, outputTokens: 0 } });
  });

  test("a redirected call is sent again through the pool that follows redirects", async () => {
    fake.script((req, res) => {
      if (req.url.includes("/moved/")) return answer("openai-compatible", HELLO)(req, res);
      res.writeHead(307, { location: "/v1/moved/chat/completions" });
      res.end();
    });
    const before = fake.requests.length;
    const got = await make("openai-compatible").complete(request());
    assert.equal(got.text, "Hello, world");
    assert.deepEqual(
      fake.requests.slice(before).map((r) => [r.method, r.url]),
      [
        ["POST", "/v1/chat/completions"],
        ["POST", "/v1/chat/completions"],
        ["POST", "/v1/moved/chat/completions"],
      ],
    );
  });

  test("a deadline passing while the server has not answered ends the call and its request", async () => {
    const controller = new AbortController();
    const aborted = fake.aborted();
    fake.script(() => {
      // The server holds the request; the caller's deadline passes meanwhile.
      controller.abort(new SynapseError("DEADLINE_EXCEEDED", "The call's deadline passed."));
    });
    const err = await failure(make("openai-compatible").complete(request(controller.signal)));
    assert.equal(err.code, "DEADLINE_EXCEEDED");
    await aborted;
  });

  test("a whole answer cut while its body is read is UNAVAILABLE; an error status cut short keeps its code", async () => {
    fake.script((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"choices":[', () => res.destroy());
    });
    const err = await failure(make("openai-compatible").complete(request()));
    assert.equal(err.code, "UNAVAILABLE");
    assert.match(err.message, /cut before the answer ended/);
    fake.script((_req, res) => {
      res.writeHead(429, { "retry-after": "3", "content-length": "1000" });
      res.write("{", () => res.destroy());
    });
    const limited = await failure(make("openai-compatible").complete(request()));
    assert.equal(limited.code, "RESOURCE_EXHAUSTED");
  });

  test("cancelling a whole answer while its body arrives closes the request", async () => {
    const controller = new AbortController();
    let closed: Promise<void> | undefined;
    fake.script((_req, res) => {
      closed = new Promise((resolve) => res.on("close", () => resolve()));
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"choices":[', () => controller.abort());
    });
    const err = await failure(make("openai-compatible").complete(request(controller.signal)));
    assert.equal(err.code, "CANCELLED");
    await closed;
  });

  test("a whole answer's multi-byte character split across network chunks arrives whole", async () => {
    fake.script((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const message = { role: "assistant", content: "héllo 🌍" };
      const bytes = Buffer.from(JSON.stringify({ choices: [{ index: 0, message, finish_reason: "stop" }] }));
      const cut = bytes.indexOf(Buffer.from("🌍")) + 2;
      res.write(bytes.subarray(0, cut));
      setImmediate(() => res.end(bytes.subarray(cut)));
    });
    const got = await make("openai-compatible").complete(request());
    assert.equal(got.text, "héllo 🌍");
  });

  test("a multi-byte character split across network chunks arrives whole", async () => {
    fake.script((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const bytes = Buffer.from(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "héllo 🌍" }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`,
      );
      const cut = bytes.indexOf(Buffer.from("🌍")) + 2;
      res.write(bytes.subarray(0, cut));
      setImmediate(() => res.end(bytes.subarray(cut)));
    });
    const got = await drain(make("openai-compatible").stream(request()));
    assert.deepEqual(got[0], { type: "text", text: "héllo 🌍" });
  });
});
