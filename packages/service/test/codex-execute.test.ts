import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CommandReport, loadConfig, type StreamEvent } from "@synapse/core";
import { JsonRpcClient } from "@synapse/transport";
import { type RunningService, runService } from "../src/index.js";
import { captureLogger } from "./helpers.js";
import { getJson } from "./process-helpers.js";

describe("codex execute through the service", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "synapse-codex-"));
  let running: RunningService;
  let client: JsonRpcClient;
  let lines: () => Record<string, unknown>[];

  before(async () => {
    const captured = captureLogger();
    lines = captured.lines;
    const config = loadConfig({
      SYNAPSE_DATA_DIR: dataDir,
      SYNAPSE_CODEX_GRPC_PORT: "0",
      SYNAPSE_CODEX_TCP_PORT: "0",
      SYNAPSE_CODEX_METRICS_PORT: "0",
      SYNAPSE_CODEX_SIM_TTFT_MS: "0",
      SYNAPSE_CODEX_SIM_TOKENS_PER_SECOND: "0",
    });
    running = await runService({ agent: "codex", replica: 0, config, logger: captured.logger });
    client = new JsonRpcClient({ port: running.ports.tcp });
  });

  after(async () => {
    await client.close();
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a command really runs: its exit code and output are in the result", async () => {
    const res = await client.invoke({ agent: "codex", action: "execute", input: { command: "ls -la" } });
    assert.equal(res.provider, "sim");
    assert.equal(res.result.executed, true);
    const [ls] = res.result.commands as CommandReport[];
    assert.deepEqual(ls?.argv, ["ls", "-la"]);
    assert.equal(ls?.exitCode, 0);
    assert.match(ls?.stdout ?? "", /^total \d+/, "the listing of the (empty) workspace");
    assert.match(res.text, /^\$ ls -la\ntotal \d+\n[\s\S]*→ exit 0\n\n$/);
    const failing = await client.invoke({
      agent: "codex",
      action: "execute",
      input: { command: ["cat", "missing.txt"] },
    });
    const [cat] = failing.result.commands as CommandReport[];
    assert.equal(cat?.exitCode, 1);
    assert.match(cat?.stderr ?? "", /missing\.txt/);
  });

  test("streams the transcript line by line, and a task is turned into commands that run", async () => {
    const events: StreamEvent[] = [];
    for await (const e of client.stream({
      agent: "codex",
      action: "execute",
      input: { task: "echo the greeting `echo hello`" },
    })) {
      events.push(e);
    }
    const final = events.at(-1);
    assert.equal(final?.type, "final");
    if (final?.type !== "final") return;
    const [echo] = final.response.result.commands as CommandReport[];
    assert.deepEqual(echo?.argv, ["echo", "hello"]);
    assert.equal(echo?.stdout, "hello\n");
    assert.ok(final.lastSeq >= 4, "several chunks");
    assert.ok(final.response.usage.inputTokens > 0, "the planning call's usage");
  });

  test("describe, /health and the logs say which isolation is in force; /metrics counts tokens", async () => {
    const described = await client.describe();
    assert.ok(["bwrap", "process"].includes(described.isolation), described.isolation);
    const health = JSON.parse((await getJson(running.ports.metrics, "/health")).body) as Record<
      string,
      unknown
    >;
    assert.equal(health.isolation, described.isolation);
    assert.equal(health.provider, "sim");
    const chose = lines().find((l) => String(l.msg).startsWith("codex answers with sim"));
    assert.ok(chose, "the provider choice is logged");
    const ready = lines().find((l) => String(l.msg).startsWith("codex#0 ready"));
    assert.equal(ready?.isolation, described.isolation);
    const metrics = (await getJson(running.ports.metrics, "/metrics")).body;
    assert.match(
      metrics,
      /synapse_service_tokens_total\{provider="sim",direction="input",agent="codex",replica="0"\} [1-9]/,
    );
    assert.match(
      metrics,
      /synapse_service_tokens_total\{provider="sim",direction="output",agent="codex",replica="0"\} [1-9]/,
    );
  });
});
