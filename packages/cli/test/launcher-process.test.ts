/**
 * The launcher as a process (runLauncher, as `synapse up` runs it), with fake-service children:
 * signals, exit codes, the table, and what happens to the children when the launcher goes.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { cleanEnv, isAlive, LineWatcher, records, until } from "./processes.js";

const HOST = fileURLToPath(new URL("./fixtures/launcher-host.js", import.meta.url));

const hosts: { proc: ChildProcess; spawned: () => number[] }[] = [];

/** Whatever a failed test left running is killed, so one failure does not hang the run. */
afterEach(() => {
  for (const host of hosts.splice(0)) {
    for (const pid of [...host.spawned(), host.proc.pid ?? 0]) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
});

function startHost(count: number, env: Record<string, string> = {}) {
  const proc = spawn(process.execPath, [HOST, String(count)], {
    env: cleanEnv({ SYNAPSE_LOG_FORMAT: "json", SYNAPSE_LOG_LEVEL: "debug", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = new LineWatcher(proc.stdout);
  const stderr = new LineWatcher(proc.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("close", (code, signal) => resolve({ code, signal })),
  );
  /** Standard output without the children's plain lines (passed through as "[name] …"). */
  const table = () => stdout.lines.filter((l) => !l.startsWith("["));
  /** The pids in the table, once it is printed. */
  const tablePids = async () => {
    await stdout.waitFor((l) => l.startsWith(`claude#${count - 1} `), "the table");
    return table()
      .filter((l) => l.startsWith("claude#"))
      .map((l) => Number(l.split(/\s+/)[1]));
  };
  /** Pids of every child the launcher spawned, from its debug log. */
  const spawned = () =>
    records(stderr.lines)
      .filter((r) => typeof r.msg === "string" && r.msg.endsWith(" started") && r.proc === "launcher")
      .map((r) => Number(r.pid));
  const host = { proc, stdout, stderr, exited, table, tablePids, spawned };
  hosts.push(host);
  return host;
}

describe("launcher process", () => {
  test("prints the table, and on SIGTERM stops every child and exits 0", async () => {
    const host = startHost(3);
    const pids = await host.tablePids();
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
    const pids = await host.tablePids();
    host.proc.kill("SIGINT");
    assert.deepEqual(await host.exited, { code: 0, signal: null });
    for (const pid of pids) assert.ok(!isAlive(pid));
  });

  test("when the launcher is killed with SIGKILL, its children exit by themselves", async () => {
    const host = startHost(2);
    const pids = await host.tablePids();
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
