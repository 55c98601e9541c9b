import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  type ClientDuplexStream,
  type ClientReadableStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { wasNotSent } from "@synapse/core";
import { AGENT_SERVICE_NAME, GrpcAgentClient } from "../src/grpc/index.js";
import { FakeClock, FakeHandler, failure, startServer } from "./grpc-fixtures.js";

/** A client constructor for `service` in the proto file `file` under `root`. */
function clientFor(root: string, file: string, service: string): ServiceClientConstructor {
  const definition = loadSync(file, {
    includeDirs: [root],
    keepCase: true,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  let node: unknown = loadPackageDefinition(definition);
  for (const part of service.split(".")) node = (node as GrpcObject)[part];
  return node as ServiceClientConstructor;
}

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);
const reflectionRoot = join(dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto");
const healthRoot = join(dirname(require.resolve("grpc-health-check/package.json")), "proto");

describe("health", () => {
  test("Check reflects handler.health() for the server and for synapse.v1.AgentService", async () => {
    const handler = new FakeHandler();
    const { server, address } = await startServer(handler);
    const client = new GrpcAgentClient(address);
    try {
      assert.equal(await client.health(), "SERVING");
      assert.equal(await client.health(AGENT_SERVICE_NAME), "SERVING");
      handler.status = "NOT_SERVING";
      assert.equal(await client.health(), "NOT_SERVING");
      assert.equal(await client.health(AGENT_SERVICE_NAME), "NOT_SERVING");
      handler.status = "SERVING";
      assert.equal(await client.health(), "SERVING");
      assert.equal((await failure(client.health("no.such.Service"))).code, "NOT_FOUND");
    } finally {
      client.close();
      await server.close(0);
    }
  });

  test("Watch sees the handler's health change at the next poll, and NOT_SERVING when close begins", async () => {
    const handler = new FakeHandler();
    const clock = new FakeClock();
    const { server, address } = await startServer(handler, { clock, healthPollMs: 500 });
    const Health = clientFor(healthRoot, "health/v1/health.proto", "grpc.health.v1.Health");
    const raw = new Health(address, credentials.createInsecure());
    try {
      assert.equal(clock.pending, 0, "nothing polls the handler while no one watches");
      const watch: ClientReadableStream<{ status: string }> = raw.watch!({ service: "" });
      const statuses: string[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        watch.on("data", (m: { status: string }) => {
          statuses.push(m.status);
          if (statuses.length === 1) {
            assert.equal(clock.pending, 1, "one poll timer while watched");
            handler.status = "NOT_SERVING";
            clock.advance(500);
          } else if (statuses.length === 2) {
            handler.status = "SERVING";
            clock.advance(500);
          } else if (statuses.length === 3) {
            void server.close(10_000);
          }
        });
        watch.on("end", resolve);
        watch.on("error", reject);
      });
      await ended;
      assert.deepEqual(statuses, ["SERVING", "NOT_SERVING", "SERVING", "NOT_SERVING"]);
    } finally {
      raw.close();
      await server.close(0);
    }
  });

  test("health() of a server that is down is UNAVAILABLE", async () => {
    const { server, address } = await startServer(new FakeHandler());
    await server.close(0);
    const client = new GrpcAgentClient(address);
    try {
      const err = await failure(client.health());
      assert.equal(err.code, "UNAVAILABLE");
      assert.ok(wasNotSent(err), "marked as never sent, so the retry layer retries it transparently");
    } finally {
      client.close();
    }
  });
});

describe("reflection", () => {
  test("lists the services and serves descriptors that link, as a stock tool needs", async () => {
    const { server, address } = await startServer(new FakeHandler());
    const Reflection = clientFor(
      reflectionRoot,
      "grpc/reflection/v1/reflection.proto",
      "grpc.reflection.v1.ServerReflection",
    );
    const raw = new Reflection(address, credentials.createInsecure());
    try {
      const stream: ClientDuplexStream<object, Record<string, unknown>> = raw.ServerReflectionInfo!();
      const answers: Record<string, unknown>[] = [];
      stream.on("data", (m: Record<string, unknown>) => answers.push(m));
      const ended = new Promise<void>((resolve, reject) => {
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      stream.write({ list_services: "*" });
      stream.write({ file_containing_symbol: AGENT_SERVICE_NAME });
      stream.write({ file_containing_symbol: "grpc.health.v1.Health" });
      stream.end();
      await ended;
      const list = answers[0]?.list_services_response as { service: { name: string }[] };
      assert.deepEqual(list.service.map((s) => s.name).sort(), ["grpc.health.v1.Health", AGENT_SERVICE_NAME]);

      // Link the descriptors the way grpcurl or buf curl do: the file, then each import by name
      // among the files served; a missing import or an unresolved type makes this throw.
      const linked = (answer: Record<string, unknown> = {}) => {
        const files = (
          answer.file_descriptor_response as { file_descriptor_proto: Buffer[] }
        ).file_descriptor_proto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
        return createFileRegistry(files[0]!, (name) => files.find((f) => f.name === name));
      };
      const agent = linked(answers[1]).getService(AGENT_SERVICE_NAME);
      assert.deepEqual(
        agent?.methods.map((m) => `${m.name}(${m.input.typeName}) ${m.methodKind}`),
        [
          "Invoke(synapse.v1.InvokeRequest) unary",
          "Stream(synapse.v1.InvokeRequest) server_streaming",
          "Resume(synapse.v1.ResumeRequest) server_streaming",
          "Describe(synapse.v1.DescribeRequest) unary",
        ],
      );
      assert.equal(agent?.file.name, "synapse/v1/agent");
      const invokeInput = agent?.methods[0]?.input.fields.find((f) => f.name === "input");
      assert.equal(invokeInput?.message?.typeName, "google.protobuf.Struct");
      const health = linked(answers[2]).getService("grpc.health.v1.Health");
      assert.deepEqual(
        health?.methods.map((m) => m.name),
        ["Check", "Watch", "List"],
      );
    } finally {
      raw.close();
      await server.close(0);
    }
  });
});

describe("stock tools", () => {
  test("buf curl calls Invoke with plain JSON, finding the schema by reflection", async () => {
    const { server, address } = await startServer(new FakeHandler());
    try {
      // The repository's buf (a devDependency), run as a real process.
      const buf = join(dirname(require.resolve("@bufbuild/buf/package.json")), "bin", "buf");
      const body = JSON.stringify({ agent: "claude", action: "plan", input: { task: "t" } });
      const url = `http://${address}/${AGENT_SERVICE_NAME}/Invoke`;
      const { stdout } = await execFileAsync(buf, [
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "-d",
        body,
        url,
      ]);
      const answer = JSON.parse(stdout) as { result: { agent: string; result: unknown; usage: unknown } };
      assert.equal(answer.result.agent, "claude");
      assert.deepEqual(answer.result.usage, { inputTokens: 3, outputTokens: 5 });
      assert.deepEqual(answer.result.result, {
        steps: [{ id: 1, goal: "g", check: "c" }],
        nested: { ok: true, n: null },
      });
    } finally {
      await server.close(0);
    }
  });
});
