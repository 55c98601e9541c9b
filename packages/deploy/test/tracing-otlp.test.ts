import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SynapseError, startTracing } from "@synapse/core";
import type { RunningGateway } from "@synapse/gateway";
import { OtlpReceiver, type ReceivedSpan } from "./helpers/otlp-receiver.js";
import { post, TestSystem } from "./helpers/system.js";

describe("tracing exports OTLP/HTTP", () => {
  test("spans reach the collector with their service, parents, kinds and errors", async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.listen();
    try {
      const a = await startTracing({
        endpoint,
        serviceName: "svc-a",
        resource: { "service.instance.id": "a1" },
      });
      const b = await startTracing({ endpoint: `${endpoint}/v1/traces`, serviceName: "svc-b" });
      assert.ok(a.enabled && b.enabled);
      const root = a.startSpan("root", { kind: "server", attributes: { n: 1 } });
      const carrier: Record<string, string> = {};
      await root.run(async () => {
        await Promise.resolve();
        const child = a.startSpan("child", { kind: "client" });
        child.inject(carrier);
        child.end();
      });
      const remote = b.startSpan("remote", { kind: "server", carrier });
      remote.end(new SynapseError("UNAVAILABLE", "replica down"));
      remote.end(); // only the first end counts
      root.end();
      const orphan = b.startSpan("orphan", { carrier: { traceparent: "not-a-traceparent" } });
      orphan.end();
      await Promise.all([a.shutdown(), b.shutdown()]);

      assert.ok(receiver.contentTypes.every((t) => t.startsWith("application/json")));
      const [r, c, rm, o] = ["root", "child", "remote", "orphan"].map((n) => receiver.named(n)[0]);
      assert.ok(r && c && rm && o, `spans: ${receiver.spans.map((s) => s.name)}`);
      assert.equal(r.service, "svc-a");
      assert.equal(r.kind, 2);
      assert.equal(r.attributes.n, 1);
      assert.equal(r.parentSpanId, "");
      assert.equal(c.parentSpanId, r.spanId, "run() makes the active span the parent, across awaits");
      assert.equal(c.kind, 3);
      assert.equal(rm.service, "svc-b");
      assert.equal(rm.parentSpanId, c.spanId, "the carrier's traceparent continues the trace");
      assert.equal(rm.traceId, r.traceId);
      assert.equal(rm.statusCode, 2);
      assert.equal(rm.statusMessage, "replica down");
      assert.equal(rm.attributes["error.type"], "UNAVAILABLE");
      assert.equal(receiver.named("remote").length, 1);
      assert.equal(o.parentSpanId, "", "an invalid traceparent starts a new trace");
      assert.notEqual(o.traceId, r.traceId);
      assert.match(carrier.traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      await receiver.close();
    }
  });

  test("shutdown resolves within the export timeout when the collector is gone", async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.listen();
    await receiver.close();
    const tracing = await startTracing({ endpoint, serviceName: "svc", exportTimeoutMs: 300 });
    tracing.startSpan("lost").end();
    const started = performance.now();
    await tracing.shutdown();
    assert.ok(performance.now() - started < 3_000, "bounded by the export timeout, not the default 10 s");
  });
});

describe("one trace from the gateway to the service", () => {
  const receiver = new OtlpReceiver();
  const system = new TestSystem();
  let grpcGateway: RunningGateway;
  let tcpGateway: RunningGateway;

  before(async () => {
    const endpoint = await receiver.listen();
    await system.startService("claude", { SYNAPSE_OTLP_ENDPOINT: endpoint });
    grpcGateway = await system.startGateway({
      SYNAPSE_OTLP_ENDPOINT: endpoint,
      SYNAPSE_GATEWAY_TRANSPORT: "grpc",
    });
    tcpGateway = await system.startGateway({
      SYNAPSE_OTLP_ENDPOINT: endpoint,
      SYNAPSE_GATEWAY_TRANSPORT: "tcp",
    });
  });

  after(async () => {
    await system.stop();
    await receiver.close();
  });

  /** The chain request → attempt → service call → provider call of the request with this id. */
  function chainOf(requestId: string): ReceivedSpan[] {
    const request = receiver.spans.find(
      (s) => s.attributes["synapse.request_id"] === requestId && s.kind === 2,
    );
    assert.ok(request, `no gateway span for ${requestId}: ${receiver.spans.map((s) => s.name)}`);
    const childOf = (parent: ReceivedSpan) => {
      const found = receiver.spans.filter((s) => s.parentSpanId === parent.spanId);
      assert.equal(found.length, 1, `children of ${parent.name}: ${found.map((s) => s.name)}`);
      return found[0] as ReceivedSpan;
    };
    const attempt = childOf(request);
    const call = childOf(attempt);
    const providerCall = childOf(call);
    const chain = [request, attempt, call, providerCall];
    for (const span of chain) assert.equal(span.traceId, request.traceId);
    return chain;
  }

  test("over gRPC, over JSON-RPC, and streamed: gateway and service spans in one trace", async () => {
    const task = { task: "Build a todo CLI" };
    const callerTrace = "0af7651916cd43dd8448eb211c80319c";
    const viaGrpc = await post(grpcGateway, "/api/v1/claude/plan", task, {
      "x-request-id": "req-grpc",
      traceparent: `00-${callerTrace}-b7ad6b7169203331-01`,
    });
    const viaTcp = await post(tcpGateway, "/api/v1/claude/plan", task, { "x-request-id": "req-tcp" });
    const streamed = await post(
      grpcGateway,
      "/api/v1/claude/plan",
      { ...task, stream: true },
      { "x-request-id": "req-sse" },
    );
    assert.deepEqual([viaGrpc.status, viaTcp.status, streamed.status], [200, 200, 200]);
    assert.match(streamed.text, /event: final/);
    // Stopping flushes: the gateways export on stop, the service on SIGTERM.
    await system.stop();

    const [request, attempt, call, providerCall] = chainOf("req-grpc") as [
      ReceivedSpan,
      ReceivedSpan,
      ReceivedSpan,
      ReceivedSpan,
    ];
    assert.equal(request.traceId, callerTrace, "the gateway continues the client's trace");
    assert.equal(request.name, "POST /api/v1/claude/plan");
    assert.equal(request.service, "synapse-gateway");
    assert.equal(request.attributes["http.response.status_code"], 200);
    assert.equal(attempt.name, "attempt claude.plan");
    assert.equal(attempt.kind, 3);
    assert.equal(attempt.attributes["synapse.replica"], "claude#0");
    assert.equal(call.name, "invoke claude");
    assert.equal(call.service, "synapse-claude");
    assert.equal(call.attributes["synapse.request_id"], "req-grpc");
    assert.equal(providerCall.name, "provider sim");
    assert.equal(providerCall.service, "synapse-claude");
    assert.ok(Number(providerCall.attributes["gen_ai.usage.output_tokens"]) > 0);

    const tcp = chainOf("req-tcp");
    assert.deepEqual(
      tcp.map((s) => `${s.service} ${s.name}`),
      [
        "synapse-gateway POST /api/v1/claude/plan",
        "synapse-gateway attempt claude.plan",
        "synapse-claude invoke claude",
        "synapse-claude provider sim",
      ],
    );
    const sse = chainOf("req-sse");
    assert.equal(sse[1]?.attributes["synapse.stream"], true);
    assert.equal(sse[2]?.name, "stream claude");
    for (const span of [...chainOf("req-grpc"), ...tcp, ...sse]) assert.equal(span.statusCode, 0, span.name);
    assert.equal(
      receiver.spans.filter((s) => s.name.includes("/health") || s.name.includes("/metrics")).length,
      0,
    );
  });
});
