/**
 * The contract every vendor API client keeps, run against a fake server speaking each vendor's
 * wire format: text deltas in order then usage, whole answers, the JSON-schema answer format,
 * keys never in errors, each HTTP failure's code, malformed and cut streams, cancellation.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FakeClock, type SynapseError } from "@synapse/core";
import { type ApiClientOptions, createPooledFetch, type ErrorHints } from "../src/index.js";
import type { LlmClient, LlmEvent, LlmRequest } from "../src/llm.js";
import { type FakeVendor, sse, startFakeVendor } from "./fake-vendor-server.js";
import { answer, BASE_PATH, fail, streamAnswer, streamEvents, type Vendor } from "./vendor-wire.js";

/** Builds the client under test. */
export type MakeClient = (options: ApiClientOptions) => LlmClient;

export const KEY = "sk-test-SECRET-0123456789abcdef";
export const MODEL: Record<Vendor, string> = {
  anthropic: "claude-sonnet-4-5",
  google: "gemini-2.5-flash",
  openai: "gpt-4.1-mini",
  "openai-compatible": "llama3.2",
};
export const HELLO = { deltas: ["Hel", "lo, ", "world"], input: 12, output: 5 };
const SCHEMA = {
  name: "plan",
  schema: {
    type: "object",
    properties: { steps: { type: "array", items: { type: "string" } } },
    required: ["steps"],
    additionalProperties: false,
  },
};

export function hints(vendor: Vendor): ErrorHints {
  return {
    vendor,
    keyEnv: "TEST_API_KEY",
    modelEnv: "SYNAPSE_TEST_MODEL",
    baseUrlEnv: "SYNAPSE_TEST_BASE_URL",
    secrets: [KEY],
  };
}

export function request(
  signal: AbortSignal = new AbortController().signal,
  extra: Partial<LlmRequest> = {},
): LlmRequest {
  return { system: "You are terse.", prompt: "Say hello.", signal, ...extra };
}

export async function drain(events: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

export async function failure(p: Promise<unknown>): Promise<SynapseError> {
  try {
    await p;
  } catch (err) {
    return err as SynapseError;
  }
  throw new Error("expected a failure");
}

export function describeApiContract(through: string, vendors: readonly Vendor[], make: MakeClient): void {
  for (const vendor of vendors) {
    describe(`${vendor} through ${through}, against a fake speaking its wire format`, () => {
      let fake: FakeVendor;
      let client: LlmClient;
      const clock = new FakeClock();
      const pool = createPooledFetch();
      before(async () => {
        fake = await startFakeVendor(BASE_PATH[vendor]);
        client = make({
          vendor,
          model: MODEL[vendor],
          apiKey: KEY,
          baseUrl: fake.baseUrl,
          hints: hints(vendor),
          pool,
          clock,
        });
      });
      after(async () => {
        await client.close();
        await pool.close();
        await fake.close();
      });
      const seen = () => fake.requests.length;

      test("streams the text deltas in order, then usage", async () => {
        fake.script(answer(vendor, HELLO));
        const events = await drain(client.stream(request()));
        assert.deepEqual(events, [
          { type: "text", text: "Hel" },
          { type: "text", text: "lo, " },
          { type: "text", text: "world" },
          { type: "done", usage: { inputTokens: 12, outputTokens: 5 } },
        ]);
        const req = fake.requests.at(-1)!;
        assert.ok(JSON.stringify(req.body).includes("You are terse."), "the system prompt is sent");
        assert.ok(JSON.stringify(req.body).includes("Say hello."), "the prompt is sent");
        assert.equal(client.model, MODEL[vendor]);
        if (vendor !== "google") assert.equal(req.body.model, MODEL[vendor]);
        else assert.match(req.url, new RegExp(`models/${MODEL[vendor]}:streamGenerateContent\\?alt=sse`));
      });

      test("answers whole without streaming", async () => {
        fake.script(answer(vendor, HELLO));
        const got = await client.complete(request());
        assert.deepEqual(got, { text: "Hello, world", usage: { inputTokens: 12, outputTokens: 5 } });
        const req = fake.requests.at(-1)!;
        if (vendor === "google") assert.match(req.url, /:generateContent$/);
        else assert.notEqual(req.body.stream, true);
      });

      test("asks for JSON with the output schema", async () => {
        fake.script(answer(vendor, { deltas: ['{"steps":', '["a"]}'], input: 3, output: 4 }));
        const events = await drain(client.stream(request(undefined, { output: SCHEMA })));
        assert.equal(events.map((e) => (e.type === "text" ? e.text : "")).join(""), '{"steps":["a"]}');
        const body = JSON.stringify(fake.requests.at(-1)!.body);
        assert.match(body, /"steps"/, "the schema travels with the request");
      });

      test("the key goes in the request, never in an error message", async () => {
        fake.script(fail(vendor, 401, `Incorrect API key provided: ${KEY}`));
        const err = await failure(client.complete(request()));
        assert.equal(err.code, "UNAUTHENTICATED");
        assert.match(err.message, /rejected the API key .*TEST_API_KEY/);
        assert.ok(!err.message.includes(KEY) && !err.message.includes("SECRET"));
        assert.ok(JSON.stringify(fake.requests.at(-1)!.headers).includes(KEY), "the key was sent");
        fake.script(fail(vendor, 400, `bad request for key ${KEY}`));
        const bad = await failure(drain(client.stream(request())));
        assert.equal(bad.code, "INVALID_ARGUMENT");
        assert.ok(!bad.message.includes(KEY) && !bad.message.includes("SECRET"), bad.message);
      });

      test("429 is RESOURCE_EXHAUSTED carrying the Retry-After pushback", async () => {
        fake.script(fail(vendor, 429, "Rate limit reached", { "retry-after": "7" }));
        const err = await failure(drain(client.stream(request())));
        assert.equal(err.code, "RESOURCE_EXHAUSTED");
        assert.equal(err.retryAfterMs, 7000);
        fake.script(fail(vendor, 429, "Rate limit reached", { "retry-after-ms": "1500" }));
        assert.equal((await failure(client.complete(request()))).retryAfterMs, 1500);
        const date = new Date(clock.now() + 30_000).toUTCString();
        fake.script(fail(vendor, 429, "Rate limit reached", { "retry-after": date }));
        assert.equal((await failure(client.complete(request()))).retryAfterMs, 30_000);
      });

      test("500 and 503 are UNAVAILABLE, with no retry inside the SDK (maxRetries 0)", async () => {
        for (const status of [500, 503]) {
          fake.script(fail(vendor, status, "Service trouble"));
          const before = seen();
          const err = await failure(drain(client.stream(request())));
          assert.equal(err.code, "UNAVAILABLE", `HTTP ${status}`);
          assert.equal(seen() - before, 1, `exactly one request on HTTP ${status}`);
          const whole = await failure(client.complete(request()));
          assert.equal(whole.code, "UNAVAILABLE");
          assert.equal(seen() - before, 2);
        }
      });

      if (vendor === "anthropic") {
        test("529 overloaded is UNAVAILABLE, and so is an overloaded error inside the stream", async () => {
          fake.script(fail(vendor, 529, "Overloaded"));
          const err = await failure(drain(client.stream(request())));
          assert.equal(err.code, "UNAVAILABLE");
          assert.match(err.message, /overloaded/);
          fake.script((_req, res) =>
            sse(res, [
              ...streamEvents(vendor, HELLO).slice(0, 3),
              ["error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }],
            ]),
          );
          const mid = await failure(drain(client.stream(request())));
          assert.equal(mid.code, "UNAVAILABLE");
        });
      }

      test("a malformed stream is UNAVAILABLE", async () => {
        fake.script((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" });
          const event = vendor === "anthropic" ? "event: content_block_delta\n" : "";
          res.end(`${event}data: {"this is": not json\n\n`);
        });
        const err = await failure(drain(client.stream(request())));
        assert.equal(err.code, "UNAVAILABLE");
        assert.match(err.message, /malformed|ended early/);
      });

      test("a connection cut mid-stream is UNAVAILABLE, after the text that arrived", async () => {
        fake.script((_req, res) => {
          sse(res, streamEvents(vendor, HELLO).slice(0, vendor === "anthropic" ? 3 : 1), false);
          setImmediate(() => res.socket?.destroy());
        });
        const got: LlmEvent[] = [];
        const err = await failure(
          (async () => {
            for await (const e of client.stream(request())) got.push(e);
          })(),
        );
        assert.equal(err.code, "UNAVAILABLE");
        assert.deepEqual(got, [{ type: "text", text: "Hel" }]);
      });

      test("cancelling aborts the HTTP request: the fake sees it closed before its answer ended", async () => {
        fake.script((_req, res) =>
          sse(res, streamEvents(vendor, HELLO).slice(0, vendor === "anthropic" ? 3 : 1), false),
        );
        const controller = new AbortController();
        const aborted = fake.aborted();
        const events = client.stream(request(controller.signal))[Symbol.asyncIterator]();
        assert.deepEqual((await events.next()).value, { type: "text", text: "Hel" });
        controller.abort();
        const err = await failure(events.next());
        assert.equal(err.code, "CANCELLED");
        await aborted;
      });

      test("an abort whose reason is a SynapseError ends with that error", async () => {
        fake.script((_req, res) => streamAnswer(vendor, res, HELLO));
        const controller = new AbortController();
        const { SynapseError } = await import("@synapse/core");
        controller.abort(new SynapseError("DEADLINE_EXCEEDED", "deadline"));
        const err = await failure(drain(client.stream(request(controller.signal))));
        assert.equal(err.code, "DEADLINE_EXCEEDED");
      });
    });
  }

  test(`${through}: an unreachable server is UNAVAILABLE and names the base URL setting`, async () => {
    const fake = await startFakeVendor("/v1");
    const baseUrl = fake.baseUrl;
    await fake.close();
    const client = make({
      vendor: vendors.includes("openai-compatible") ? "openai-compatible" : vendors[0]!,
      model: "m",
      baseUrl,
      hints: hints("openai-compatible"),
    });
    try {
      const err = await failure(client.complete(request()));
      assert.equal(err.code, "UNAVAILABLE");
      assert.match(err.message, /SYNAPSE_TEST_BASE_URL/);
    } finally {
      await client.close();
    }
  });
}
