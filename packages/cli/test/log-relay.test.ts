import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { createLogger } from "@synapse/core";
import { parseLogLine, relayLine, relayLines } from "../src/launcher/log-relay.js";

function sink() {
  const chunks: string[] = [];
  return { chunks, write: (s: string) => void chunks.push(s) };
}

function output(chunks: string[]): string[] {
  return chunks.join("").split("\n").filter(Boolean);
}

describe("parseLogLine", () => {
  test("takes level, message and fields of a pino line, dropping what the relaying logger sets", () => {
    const line = JSON.stringify({
      level: 40,
      time: 1,
      pid: 7,
      hostname: "h",
      proc: "claude#0",
      msg: "slow",
      requestId: "r1",
    });
    assert.deepEqual(parseLogLine(line), { level: "warn", msg: "slow", fields: { requestId: "r1" } });
  });

  test("is undefined for lines that are not log records", () => {
    for (const line of ["hello", "{not json", "[1,2]", '{"msg":"no level"}', '{"level":35}', "null"]) {
      assert.equal(parseLogLine(line), undefined, line);
    }
  });
});

describe("relayLine", () => {
  test("re-emits a record through the child's logger: its name once, its fields kept", () => {
    const logs = sink();
    const logger = createLogger({ name: "gemini#1", level: "info", format: "json", destination: logs });
    const passthrough = new PassThrough();
    const line = JSON.stringify({ level: 30, time: 1, proc: "gemini#1", msg: "listening", grpc: 5022 });
    relayLine(line, "gemini#1", logger, passthrough);
    const [out, ...rest] = output(logs.chunks);
    assert.equal(rest.length, 0);
    assert.equal(out?.match(/"proc"/g)?.length, 1, "the name appears once");
    const record = JSON.parse(out ?? "") as Record<string, unknown>;
    assert.equal(record.proc, "gemini#1");
    assert.equal(record.msg, "listening");
    assert.equal(record.grpc, 5022);
    assert.equal(record.level, 30);
    assert.equal(passthrough.read(), null, "nothing passed through");
  });

  test("keeps the child's level, and the launcher's level still filters", () => {
    const logs = sink();
    const logger = createLogger({ name: "codex#0", level: "warn", format: "json", destination: logs });
    relayLine(JSON.stringify({ level: 30, msg: "info is filtered" }), "codex#0", logger, new PassThrough());
    relayLine(JSON.stringify({ level: 50, msg: "boom" }), "codex#0", logger, new PassThrough());
    const lines = output(logs.chunks);
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0] ?? "") as { level: number }).level, 50);
  });

  test("passes other lines through prefixed with the name, without logging them", () => {
    const logs = sink();
    const logger = createLogger({ name: "claude#0", level: "info", format: "json", destination: logs });
    const passthrough = new PassThrough({ encoding: "utf8" });
    relayLine("Error: listen EADDRINUSE", "claude#0", logger, passthrough);
    relayLine("", "claude#0", logger, passthrough);
    assert.equal(passthrough.read(), "[claude#0] Error: listen EADDRINUSE\n");
    assert.deepEqual(logs.chunks, []);
  });
});

describe("relayLines", () => {
  test("splits a stream into lines, including a last line without a newline", async () => {
    const logs = sink();
    const logger = createLogger({ name: "claude#0", level: "info", format: "json", destination: logs });
    const input = new PassThrough();
    const passthrough = new PassThrough({ encoding: "utf8" });
    relayLines(input, "claude#0", logger, passthrough);
    input.write('{"level":30,"msg":"a"}\r\nplain ');
    input.end("end");
    await new Promise((resolve) => input.on("end", resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      output(logs.chunks).map((l) => (JSON.parse(l) as { msg: string }).msg),
      ["a"],
    );
    assert.equal(passthrough.read(), "[claude#0] plain end\n");
  });
});
