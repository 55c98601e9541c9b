/** `synapse service <agent>`: one real service in the foreground, alone or under an IPC parent. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { REPLICA_PORT_STEP } from "@synapse/core";
import { FAST_SIM, freePortEnv } from "./free-ports.js";
import { cleanEnv, isAlive, LineWatcher, records } from "./processes.js";
import { runCli, SYNAPSE_BIN } from "./run-cli.js";
import { startProcess } from "./running-process.js";

describe("synapse service", () => {
  test("serves until SIGTERM, then exits 0", async () => {
    const env = { ...(await freePortEnv()), ...FAST_SIM, SYNAPSE_LOG_LEVEL: "info" };
    const service = startProcess([SYNAPSE_BIN, "service", "codex"], env);
    try {
      await service.stderr.waitFor((l) => l.includes('"msg":"codex#0 ready'), "codex#0 ready");
      const call = await runCli(["call", "codex", "execute", "echo hi", "--transport", "tcp"], env);
      assert.equal(call.code, 0, call.stderr);
      service.proc.kill("SIGTERM");
      assert.deepEqual(await service.exited, { code: 0, signal: null });
    } finally {
      service.killAll();
    }
  });

  test("started over IPC: reports ready with its ports; when the parent disconnects, drains and exits 0", async () => {
    const env: Record<string, string> = {
      ...(await freePortEnv(2)),
      // Slow enough that a call is still streaming when the parent goes.
      SYNAPSE_CLAUDE_SIM_TTFT_MS: "0",
      SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "100",
      SYNAPSE_LOG_LEVEL: "info",
      SYNAPSE_LOG_FORMAT: "json",
    };
    const child = spawn(process.execPath, [SYNAPSE_BIN, "service", "claude", "--replica", "1"], {
      env: cleanEnv(env),
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const stderr = new LineWatcher(child.stderr!);
    // "exit", not "close": a ChildProcess whose parent side disconnected never emits "close".
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const ready = await new Promise<unknown>((resolve) => child.once("message", resolve));
      const port = (name: string) => Number(env[name]) + REPLICA_PORT_STEP;
      assert.deepEqual(ready, {
        type: "ready",
        agent: "claude",
        replica: 1,
        ports: {
          grpc: port("SYNAPSE_CLAUDE_GRPC_PORT"),
          tcp: port("SYNAPSE_CLAUDE_TCP_PORT"),
          metrics: port("SYNAPSE_CLAUDE_METRICS_PORT"),
        },
      });
      const call = startProcess(
        [SYNAPSE_BIN, "call", "claude", "plan", "x", "--stream", "--replica", "1"],
        env,
      );
      await call.stdout.waitFor((l) => l.startsWith("## Plan"), "the first chunk");
      child.disconnect();
      assert.equal(await exited, 0, stderr.text);
      assert.equal((await call.exited).code, 0, "the call in flight finished: the drain was not cut short");
      assert.match(call.stdout.lines.at(-1) ?? "", /^sim · sim-1 · /);
      const shutdowns = records(stderr.lines).filter((r) => String(r.msg).includes("shutting down"));
      assert.equal(shutdowns.length, 1, `one stop, not a second signal:\n${stderr.text}`);
    } finally {
      if (child.pid !== undefined && isAlive(child.pid)) child.kill("SIGKILL");
    }
  });

  test("an unknown agent is commander's error, exit 1", async () => {
    const { code, stderr } = await runCli(["service", "llama"]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /value 'llama' is invalid for argument 'agent'\. Allowed choices are claude, gemini, codex/,
    );
  });
});
