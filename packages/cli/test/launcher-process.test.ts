/**
 * The launcher as a process (runLauncher, as `synapse up` runs it), with fake-service children:
 * signals, exit codes, the table, and what happens to the children when the launcher goes.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { isAlive, records, until } from "./processes.js";
import { type Running, startProcess } from "./running-process.js";

const HOST = fileURLToPath(new URL("./fixtures/launcher-host.js", import.meta.url));
const started: Running[] = [];

/** Whatever a failed test left running is killed, so one failure does not hang the run. */
afterEach(() => {
  for (const host of started.splice(0)) host.killAll();
});

function startHost(count: number, env: Record<string, string> = {}): Running {
  const host = startProcess([HOST, String(count)], env);
  started.push(host);
  return host;
}

describe("launcher process", () => {
  test("prints the table, and on SIGTERM stops every child and exits 0", async () => {
    const host = startHost(3);
    const pids = [...(await host.tablePids("claude#2")).values()];
    assert.equal(pids.length, 3);
    assert.deepEqual(host.table()[0]?.split(/\s{2,}/), [
      "process",
      "pid",
      "gRPC",
      "JSON-RPC/TCP",
      "metrics",
      "health",
    ]);
    assert.deepEqual(host.table()[2]?.split(/\s+/).slice(2), [
      "127.0.0.1:41001",
      "127.0.0.1:42001",
      "http://127.0.0.1:43001/metrics",
      "http://127.0.0.1:43001/health",
    ]);
    for (const pid of pids) assert.ok(isAlive(pid));
    host.proc.kill("SIGTERM");
    assert.deepEqual(await host.exited, { code: 0, signal: null });
    for (const pid of pids) assert.ok(!isAlive(pid), `child ${pid} is gone`);
    const stopped = records(host.stderr.lines).filter((r) => /^claude#\d stopped/.test(String(r.msg)));
    assert.equal(stopped.length, 3);
  });

  test("SIGINT (Ctrl-C) stops everything too, exit 0", async () => {
    const host = startHost(2);
    const pids = [...(await host.tablePids("claude#1")).values()];
    host.proc.kill("SIGINT");
    assert.deepEqual(await host.exited, { code: 0, signal: null });
    for (const pid of pids) assert.ok(!isAlive(pid));
  });

  test("a second signal kills children still draining at once", async () => {
    const host = startHost(2, { FIXTURE_IGNORE_TERM: "claude#0", SYNAPSE_DRAIN_TIMEOUT_MS: "600000" });
    const pids = [...(await host.tablePids("claude#1")).values()];
    host.proc.kill("SIGTERM");
    await host.stderr.waitFor((l) => l.includes("fixture: ignoring SIGTERM"), "claude#0 to ignore SIGTERM");
    host.proc.kill("SIGTERM");
    assert.deepEqual(await host.exited, { code: 0, signal: null });
    for (const pid of pids) assert.ok(!isAlive(pid));
    assert.ok(host.stderr.text.includes("second signal: killing every process now"));
  });

  test("when the launcher is killed with SIGKILL, its children exit by themselves", async () => {
    const host = startHost(2);
    const pids = [...(await host.tablePids("claude#1")).values()];
    host.proc.kill("SIGKILL");
    assert.equal((await host.exited).signal, "SIGKILL");
    await until(() => pids.every((pid) => !isAlive(pid)), "the orphaned children to exit");
  });

  test("a child that never becomes ready: a clear error, exit 1, and no process left behind", async () => {
    const host = startHost(3, { FIXTURE_NEVER_READY: "claude#2", SYNAPSE_READY_TIMEOUT_MS: "3000" });
    const { code } = await host.exited;
    assert.equal(code, 1);
    assert.ok(
      host.stderr.lines.includes(
        "error: DEADLINE_EXCEEDED: claude#2 did not report ready within 3000 ms " +
          "(launcher.readyTimeoutMs, SYNAPSE_READY_TIMEOUT_MS); see its log above.",
      ),
      host.stderr.text,
    );
    assert.deepEqual(host.table(), [], "no table");
    const pids = host.spawned();
    assert.equal(pids.length, 3);
    for (const pid of pids) assert.ok(!isAlive(pid), `child ${pid} is gone`);
  });
});
