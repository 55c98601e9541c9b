import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import type { Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { hashText } from "@synapse/core";
import OpenAI from "openai";
import { type Cluster, readSse, startCluster } from "./helpers/cluster.js";

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ env: { SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "2000" } });
});
after(async () => {
  await cluster?.stop();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${cluster.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

interface Json {
  [key: string]: unknown;
}

describe("gateway routes against real services", () => {
  test("each of the original's agent routes answers with its result shape", async () => {
    const cases: [string, unknown, (r: Json) => void][] = [
      [
        "/api/v1/claude/plan",
        { task: "Build a todo CLI" },
        (r) => assert.ok((r.steps as unknown[]).length >= 3),
      ],
      [
        "/api/v1/claude/code",
        { task: "Add a --json flag" },
        (r) => assert.ok((r.files as unknown[]).length >= 1),
      ],
      ["/api/v1/gemini/analyze", { text: "eval(x) // TODO" }, (r) => assert.ok(Array.isArray(r.findings))],
      [
        "/api/v1/gemini/review",
        { code: "function f(x) { eval(x) }" },
        (r) => assert.match(String(r.verdict), /approve|request_changes/),
      ],
      ["/api/v1/codex/execute", { command: "echo hello" }, (r) => assert.ok(Array.isArray(r.commands))],
    ];
    for (const [path, body, check] of cases) {
      const res = await post(path, body);
      assert.equal(res.status, 200, path);
      const json = (await res.json()) as Json;
      assert.equal(json.provider, "sim");
      assert.equal(typeof json.requestId, "string");
      assert.equal(res.headers.get("x-request-id"), json.requestId);
      check(json.result as Json);
    }
  });

  test("the generic route serves any agent action; an unknown one is a 404", async () => {
    const res = await post("/api/v1/agents/gemini/review", { diff: "+console.log(1)" });
    assert.equal(res.status, 200);
    const missing = await post("/api/v1/agents/gpt/plan", { task: "x" });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: Json }).error.code, "NOT_FOUND");
    const wrong = await post("/api/v1/agents/claude/execute", { command: "ls" });
    assert.equal(wrong.status, 404);
  });

  test("bad input gets a 400 in one error shape, without internals", async () => {
    const cases: [string, unknown][] = [
      ["/api/v1/claude/plan", {}],
      ["/api/v1/claude/plan", { task: "" }],
      ["/api/v1/claude/plan", { task: "x", extra: 1 }],
      ["/api/v1/claude/plan", "{not json"],
      ["/api/v1/agents/gemini/review", {}],
    ];
    for (const [path, body] of cases) {
      const res = await post(path, body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
      const { error } = (await res.json()) as { error: Json };
      assert.equal(error.code, "INVALID_ARGUMENT");
      assert.doesNotMatch(String(error.message), /at \w+ \(|node_modules|\/work\//);
    }
    const big = await post("/api/v1/claude/plan", { task: "x".repeat(2_000_000) });
    assert.equal(big.status, 400);
    assert.match(((await big.json()) as { error: Json }).error.message as string, /SYNAPSE_BODY_LIMIT_BYTES/);
    const unknown = await fetch(`${cluster.url}/api/v1/nothing`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: Json }).error.code, "NOT_FOUND");
  });

  test("SSE: chunks carry id streamId:seq, and the final hash matches the text", async () => {
    const res = await post("/api/v1/claude/plan", { task: "Stream a plan" }, { accept: "text/event-stream" });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const streamId = res.headers.get("x-stream-id")!;
    const events = await readSse(res);
    const chunks = events.filter((e) => e.event === "chunk");
    const final = events.at(-1)!;
    assert.equal(final.event, "final");
    for (const [i, c] of chunks.entries()) assert.equal(c.id, `${streamId}:${i + 1}`);
    const text = chunks.map((c) => (c.data as { text: string }).text).join("");
    assert.equal((final.data as Json).hash, hashText(text));
    assert.equal((final.data as Json).lastSeq, chunks.length);
  });

  test("SSE resume with Last-Event-ID after a dropped connection: no gap, no duplicate", async () => {
    const res = await post("/api/v1/claude/code", { task: "Write a long module", stream: true });
    const streamId = res.headers.get("x-stream-id")!;
    const head = await readSse(res, 5);
    const last = head.at(-1)!;
    assert.equal(last.id, `${streamId}:5`);
    const resumed = await fetch(`${cluster.url}/api/v1/streams/${streamId}`, {
      headers: { "last-event-id": last.id! },
    });
    assert.equal(resumed.status, 200);
    const tail = await readSse(resumed);
    const chunks = [...head, ...tail].filter((e) => e.event === "chunk");
    assert.deepEqual(
      chunks.map((c) => (c.data as { seq: number }).seq),
      chunks.map((_, i) => i + 1),
    );
    const final = tail.at(-1)!;
    assert.equal(final.event, "final");
    assert.equal(
      (final.data as Json).hash,
      hashText(chunks.map((c) => (c.data as { text: string }).text).join("")),
    );
    const byQuery = await readSse(
      await fetch(`${cluster.url}/api/v1/streams/${streamId}?after=${chunks.length - 1}`),
    );
    assert.deepEqual(
      byQuery.map((e) => e.event),
      ["chunk", "final"],
    );
    const gone = await fetch(`${cluster.url}/api/v1/streams/s_unknown`);
    assert.equal(gone.status, 404);
  });

  test("an Idempotency-Key attaches a retried POST to the first stream or result", async () => {
    const key = { "idempotency-key": `k-${Date.now()}` };
    const a = await post("/api/v1/claude/plan", { task: "Once", stream: true }, key);
    const b = await post("/api/v1/claude/plan", { task: "Once", stream: true }, key);
    assert.equal(a.headers.get("x-stream-id"), b.headers.get("x-stream-id"));
    await Promise.all([readSse(a), readSse(b)]);
    const u1 = (await (await post("/api/v1/gemini/analyze", { text: "x" }, key)).json()) as Json;
    const u2 = (await (await post("/api/v1/gemini/analyze", { text: "x" }, key)).json()) as Json;
    assert.equal(u1.latencyMs, u2.latencyMs, "the second answer is the first one, not a new call");
  });

  test("health, liveness, readiness", async () => {
    const res = await fetch(`${cluster.url}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      status: string;
      agents: Record<string, { healthy: number; replicas: Json[] }>;
    };
    assert.equal(body.status, "ok");
    for (const agent of ["claude", "gemini", "codex"]) {
      assert.equal(body.agents[agent]?.healthy, 1);
      assert.equal(body.agents[agent]?.replicas[0]?.breaker, "closed");
    }
    assert.equal((await fetch(`${cluster.url}/health/live`)).status, 200);
    assert.equal((await fetch(`${cluster.url}/health/ready`)).status, 200);
  });

  test("/metrics speaks the Prometheus text format with the gateway's series", async () => {
    await post("/api/v1/claude/plan", { task: "count me" });
    const res = await fetch(`${cluster.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const name of [
      "synapse_gateway_requests_total",
      "synapse_gateway_request_duration_seconds_bucket",
      "synapse_gateway_overhead_seconds_bucket",
      "synapse_gateway_upstream_attempts_total",
      "synapse_gateway_balancer_picks_total",
      "synapse_gateway_tokens_total",
      "synapse_gateway_process_cpu_seconds_total",
    ]) {
      assert.match(text, new RegExp(`^${name}`, "m"), name);
    }
    assert.match(
      text,
      /synapse_gateway_requests_total\{route="\/api\/v1\/claude\/plan",agent="claude",action="plan",status="200"\}/,
    );
    // The per-request series are summed in plain numbers (given label values in order): each
    // names its labels right, and a histogram's +Inf bucket equals its count.
    for (const series of [
      /^synapse_gateway_request_duration_seconds_count\{route="\/api\/v1\/claude\/plan",agent="claude",action="plan",status="200"\} [1-9]/m,
      /^synapse_gateway_request_duration_seconds_bucket\{le="\+Inf",route="\/api\/v1\/claude\/plan",agent="claude",action="plan",status="200"\} [1-9]/m,
      /^synapse_gateway_overhead_seconds_count\{route="\/api\/v1\/claude\/plan"\} [1-9]/m,
      /^synapse_gateway_upstream_attempts_total\{agent="claude",replica="[^"]+",outcome="OK"\} [1-9]/m,
      /^synapse_gateway_upstream_duration_seconds_count\{agent="claude",replica="[^"]+"\} [1-9]/m,
      /^synapse_gateway_balancer_picks_total\{agent="claude",replica="[^"]+",strategy="[a-z_-]+"\} [1-9]/m,
      /^synapse_gateway_tokens_total\{agent="claude",provider="sim",direction="output"\} [1-9]/m,
    ]) {
      assert.match(text, series);
    }
    assert.match(text, /^synapse_gateway_active_streams 0$/m, "every finished stream left the gauge");
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.ok(!lint.error, "promtool not found: install Debian's prometheus package (.ci/run does)");
    assert.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);
    for (const agent of ["claude", "gemini", "codex"] as const) {
      const service = await (await fetch(`http://127.0.0.1:${cluster.metricsPort(agent, 0)}/metrics`)).text();
      assert.match(service, /^synapse_service_info\{/m);
      const check = spawnSync("promtool", ["check", "metrics"], { input: service, encoding: "utf8" });
      assert.equal(check.status, 0, `promtool check metrics (${agent}): ${check.stdout}${check.stderr}`);
    }
  });

  test("the official openai client talks to /v1, streaming and not", async () => {
    const client = new OpenAI({ baseURL: `${cluster.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const models = await client.models.list();
    assert.ok(models.data.some((m) => m.id === "claude:code"));
    const completion = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "Build a todo CLI" }],
    });
    assert.match(completion.choices[0]?.message.content ?? "", /\S/);
    assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
    const stream = await client.chat.completions.create({
      model: "gemini:review",
      messages: [{ role: "user", content: "function f(x) { eval(x) }" }],
      stream: true,
    });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.match(text, /\S/);
    assert.equal(finish, "stop");
    await assert.rejects(
      client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
      (e: unknown) => (e as { status?: number }).status === 404,
    );
  });

  test("a streamed chat completion sends its head, role frame and first content in one write", async () => {
    const writes = recordSocketWrites();
    const text = await streamChat("claude:plan");
    assert.match(text, /data: \[DONE\]/);
    const first = writes[0] ?? "";
    assert.match(first, /^HTTP\/1.1 200/);
    assert.match(first, /"role":"assistant"/);
    assert.match(first, /"content":"[^"]/, "the first content is in the same write");
  });

  test("a streamed chat completion writes a burst of chunks as one HTTP chunk (TickBatch)", async () => {
    // gemini's sim is unpaced here: its answer reaches the gateway in bursts, not a token at a time.
    const writes = recordSocketWrites();
    const text = await streamChat("gemini:review");
    assert.match(text, /data: \[DONE\]/);
    const all = writes.join("");
    let at = all.indexOf("\r\n\r\n") + 4;
    const framesPerChunk: number[] = [];
    for (;;) {
      const eol = all.indexOf("\r\n", at);
      const size = Number.parseInt(all.slice(at, eol), 16);
      if (!(size > 0)) break;
      const data = all.slice(eol + 2, eol + 2 + size);
      framesPerChunk.push(data.split("data: ").length - 1);
      at = eol + 2 + size + 2;
    }
    const frames = framesPerChunk.reduce((a, b) => a + b, 0);
    assert.ok(frames > 5, `the answer has content frames (${frames})`);
    assert.ok(
      framesPerChunk.length < frames,
      `frames leave several to an HTTP chunk: ${framesPerChunk.join(",")}`,
    );
  });

  test("a stream on an agent route is counted once in the request metrics", async () => {
    const count = () =>
      metricValue(
        'synapse_gateway_requests_total{route="/api/v1/gemini/analyze",agent="gemini",action="analyze",status="200"}',
      );
    const before = await count();
    const res = await post("/api/v1/gemini/analyze", { text: "eval(x) // TODO", stream: true });
    assert.equal((await readSse(res)).at(-1)?.event, "final");
    // Counted when the response has ended, a moment after the client read its end.
    const deadline = Date.now() + 10_000;
    while ((await count()) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await fetch(`${cluster.url}/health/live`).then((r) => r.status), 200);
    assert.equal(await count(), before + 1);
  });

  test("a stream its client leaves early is counted in the request metrics as 499", async () => {
    const series =
      'synapse_gateway_requests_total{route="/v1/chat/completions",agent="claude",action="code",status="499"}';
    const count = () => metricValue(series);
    const before = await count();
    const leave = new AbortController();
    const res = await fetch(`${cluster.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude:code",
        stream: true,
        messages: [{ role: "user", content: "Write a long module" }],
      }),
      signal: leave.signal,
    });
    const reader = res.body!.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /"content"/);
    leave.abort();
    // The gateway sees the connection close a moment later; wait for it, up to 10 s.
    const deadline = Date.now() + 10_000;
    while ((await count()) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await count(), before + 1);
  });

  test("the OpenAPI document covers every route; /docs serves the page; workflow accepts a run", async () => {
    const doc = (await (await fetch(`${cluster.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      "/api/v1/claude/plan",
      "/api/v1/codex/execute",
      "/api/v1/agents/{agent}/{action}",
      "/api/v1/streams/{id}",
      "/v1/chat/completions",
      "/health",
      "/api/v1/workflow",
      "/api/v1/workflow/{id}",
      "/api/v1/workflows",
    ]) {
      assert.ok(doc.paths[path], path);
    }
    // The page is built on its first request, and answered through the gateway's own hooks.
    const docs = await fetch(`${cluster.url}/docs`);
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(docs.headers.get("x-request-id") ?? "", /^[0-9a-f]{32}$/);
    assert.match(await docs.text(), /<div id="swagger-ui">/);
    const css = await fetch(`${cluster.url}/docs/static/swagger-ui.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
    assert.ok((await css.text()).length > 10_000);
    const json = (await (await fetch(`${cluster.url}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(json.paths).sort(), Object.keys(doc.paths).sort());
    const missing = await fetch(`${cluster.url}/docs/static/no-such-file.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, "NOT_FOUND");
    const wf = await post("/api/v1/workflow", { task: "x" });
    assert.equal(wf.status, 202);
    assert.match(((await wf.json()) as Json).id as string, /^wf_/);
  });
});

/** What each socket write of the next connection to the gateway carried, from the server's side. */
function recordSocketWrites(): string[] {
  const writes: string[] = [];
  cluster.gateway.app.server.once("connection", (socket: Socket) => {
    const write = socket._write.bind(socket);
    const writev = socket._writev?.bind(socket);
    socket._write = (chunk, encoding, cb) => {
      writes.push(String(chunk));
      write(chunk, encoding, cb);
    };
    if (writev !== undefined) {
      socket._writev = (chunks, cb) => {
        writes.push(chunks.map((c) => String(c.chunk)).join(""));
        writev(chunks, cb);
      };
    }
  });
  return writes;
}

/** A streamed /v1/chat/completions on a connection of its own; resolves with the body as received. */
function streamChat(model: string): Promise<string> {
  const body = JSON.stringify({
    model,
    stream: true,
    messages: [{ role: "user", content: "function f(x) { eval(x) }" }],
  });
  return new Promise<string>((resolve, reject) => {
    const req = request(
      `${cluster.url}/v1/chat/completions`,
      { method: "POST", agent: false, headers: { "content-type": "application/json" } },
      (res) => {
        let all = "";
        res.on("data", (d: Buffer) => (all += d.toString()));
        res.on("end", () => resolve(all));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The value of one series in the gateway's /metrics (0 while it does not exist). */
async function metricValue(series: string): Promise<number> {
  const text = await (await fetch(`${cluster.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}
