/**
 * `synapse up` with the real agent services, and `synapse call` against them over both
 * transports: the table, calls (plain, --json, --stream), a child restarted after SIGKILL, a
 * stopped service, and a clean stop.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { hashText, REPLICA_PORT_STEP, type StreamEvent } from "@synapse/core";
import { FAST_SIM, freePortEnv } from "./free-ports.js";
import { isAlive, records, until } from "./processes.js";
import { runCli, SYNAPSE_BIN } from "./run-cli.js";
import { type Running, startProcess } from "./running-process.js";

const FOOTER = /^sim · sim-1 · \d+ in \/ \d+ out tokens · \d+ ms$/;

describe("synapse up and call, with real services", () => {
  let env: Record<string, string>;
  let up: Running;
  let pids: Map<string, number>;
  const dataDir = mkdtempSync(join(tmpdir(), "synapse-cli-test-"));

  before(async () => {
    env = {
      ...(await freePortEnv(2)),
      ...FAST_SIM,
      SYNAPSE_CLAUDE_REPLICAS: "2",
      SYNAPSE_LOG_LEVEL: "info",
      SYNAPSE_DATA_DIR: dataDir,
    };
    up = startProcess([SYNAPSE_BIN, "up"], env);
    pids = await up.tablePids("gateway");
  });

  after(() => {
    up.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("starts every replica and the gateway, and prints where each listens", async () => {
    assert.deepEqual([...pids.keys()], ["claude#0", "claude#1", "gemini#0", "codex#0", "gateway"]);
    const claude1 = up.table().find((l) => l.startsWith("claude#1 "));
    const port = (name: string, offset = REPLICA_PORT_STEP) => `127.0.0.1:${Number(env[name]) + offset}`;
    assert.deepEqual(claude1?.split(/\s+/).slice(2), [
      port("SYNAPSE_CLAUDE_GRPC_PORT"),
      port("SYNAPSE_CLAUDE_TCP_PORT"),
      `http://${port("SYNAPSE_CLAUDE_METRICS_PORT")}/metrics`,
      `http://${port("SYNAPSE_CLAUDE_METRICS_PORT")}/health`,
    ]);
    const gateway = `http://127.0.0.1:${env.SYNAPSE_GATEWAY_PORT}`;
    assert.deepEqual(up.table().at(-1)?.split(/\s+/).slice(2), [
      "-",
      "-",
      `${gateway}/metrics`,
      `${gateway}/health`,
    ]);
    for (const pid of pids.values()) assert.ok(isAlive(pid));
    const health = await fetch(`${gateway}/health`);
    assert.equal(health.status, 200, "the gateway reaches every service");
    await health.body?.cancel();
  });

  for (const transport of ["grpc", "tcp"]) {
    test(`call over ${transport}: the text, then the footer`, async () => {
      const { code, stdout, stderr } = await runCli(
        ["call", "claude", "plan", "write a parser", "--transport", transport],
        env,
      );
      assert.equal(code, 0, stderr);
      const lines = stdout.trimEnd().split("\n");
      assert.match(lines.at(-1) ?? "", FOOTER);
      assert.match(stdout, /^## Plan: write a parser\n/);
    });

    test(`call --json over ${transport}: the AgentResponse`, async () => {
      const { code, stdout } = await runCli(
        ["call", "gemini", "review", "x = eval(y)", "--transport", transport, "--json"],
        env,
      );
      assert.equal(code, 0);
      const response = JSON.parse(stdout) as Record<string, unknown>;
      assert.equal(response.agent, "gemini");
      assert.equal(response.action, "review");
      assert.equal(response.provider, "sim");
      assert.equal((response.result as { verdict: string }).verdict, "request_changes");
    });

    test(`call --stream over ${transport}: the same text as a unary call, then the footer`, async () => {
      const args = ["call", "claude", "code", "a stack", "--transport", transport];
      const unary = JSON.parse((await runCli([...args, "--json"], env)).stdout) as { text: string };
      const streamed = await runCli([...args, "--stream"], env);
      assert.equal(streamed.code, 0, streamed.stderr);
      const footerAt = streamed.stdout.trimEnd().lastIndexOf("\n");
      assert.equal(
        streamed.stdout.slice(0, footerAt + 1),
        unary.text.endsWith("\n") ? unary.text : `${unary.text}\n`,
      );
      assert.match(streamed.stdout.slice(footerAt + 1).trimEnd(), FOOTER);
    });

    test(`call --stream --json over ${transport}: one event per line, seq from 1, the hash of the text`, async () => {
      const { code, stdout } = await runCli(
        ["call", "codex", "execute", "--command", "ls -la", "--transport", transport, "--stream", "--json"],
        env,
      );
      assert.equal(code, 0);
      const events = stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as StreamEvent);
      const chunks = events.filter((e) => e.type === "chunk");
      const final = events.at(-1);
      assert.ok(chunks.length > 1);
      assert.deepEqual(
        chunks.map((c) => c.seq),
        chunks.map((_, i) => i + 1),
      );
      assert.equal(final?.type, "final");
      if (final?.type !== "final") return;
      assert.equal(final.lastSeq, chunks.length);
      assert.equal(final.hash, hashText(chunks.map((c) => c.text).join("")));
      assert.equal(final.response.agent, "codex");
    });

    test(`call --replica 1 over ${transport} reaches the second replica`, async () => {
      const metrics = `http://127.0.0.1:${Number(env.SYNAPSE_CLAUDE_METRICS_PORT) + REPLICA_PORT_STEP}/metrics`;
      const calls = async () => {
        const text = await (await fetch(metrics)).text();
        return text
          .split("\n")
          .filter((l) => l.startsWith("synapse_service_calls_total{"))
          .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
      };
      const before = await calls();
      const { code, stderr } = await runCli(
        ["call", "claude", "plan", "x", "--transport", transport, "--replica", "1"],
        env,
      );
      assert.equal(code, 0, stderr);
      assert.equal(await calls(), before + 1, "claude#1 counted the call");
    });
  }

  test("a service killed with SIGKILL is restarted and answers again", async () => {
    const old = pids.get("gemini#0") ?? 0;
    const readyLines = () =>
      records(up.stderr.lines).filter(
        (r) => r.proc === "gemini#0" && String(r.msg).startsWith("gemini#0 ready"),
      ).length;
    assert.equal(readyLines(), 1);
    process.kill(old, "SIGKILL");
    await until(() => readyLines() === 2, "gemini#0 ready again");
    assert.ok(
      records(up.stderr.lines).some(
        (r) =>
          r.proc === "launcher" && String(r.msg).startsWith("gemini#0 exited unexpectedly (signal SIGKILL)"),
      ),
    );
    const { code, stderr } = await runCli(["call", "gemini", "analyze", "TODO: fix"], env);
    assert.equal(code, 0, stderr);
  });

  test("SIGTERM stops every process, the gateway first, and exits 0", async () => {
    const all = records(up.stderr.lines)
      .filter((r) => r.proc === "launcher" && typeof r.pid === "number")
      .map((r) => Number(r.pid));
    up.proc.kill("SIGTERM");
    assert.deepEqual(await up.exited, { code: 0, signal: null });
    for (const pid of new Set([...pids.values(), ...all])) assert.ok(!isAlive(pid), `pid ${pid} is gone`);
    const stopped = records(up.stderr.lines)
      .filter((r) => r.proc === "launcher" && / stopped \(/.test(String(r.msg)))
      .map((r) => r.child);
    assert.equal(stopped[0], "gateway");
    assert.equal(stopped.length, 5);
  });

  test("a call to a stopped service: UNAVAILABLE with a hint, exit 1", async () => {
    for (const transport of ["grpc", "tcp"]) {
      const { code, stdout, stderr } = await runCli(
        ["call", "claude", "plan", "x", "--transport", transport],
        env,
      );
      assert.equal(code, 1);
      assert.equal(stdout, "");
      const port = env[transport === "grpc" ? "SYNAPSE_CLAUDE_GRPC_PORT" : "SYNAPSE_CLAUDE_TCP_PORT"];
      const over = transport === "grpc" ? "gRPC" : "JSON-RPC/TCP";
      assert.equal(
        stderr,
        `error: UNAVAILABLE: nothing listens at 127.0.0.1:${port} (claude#0, ${over}): ` +
          "is it running? Start it with `npm start`.\n",
      );
    }
  });
});
