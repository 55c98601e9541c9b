import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { CommandExecutor, EXECUTOR_DEFAULTS } from "../src/executor/index.js";
import { FakeClock, isAlive, tempRoot, waitForFile } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");

// The shell starts two sleeps (grandchildren of the executor) with their output away from our
// pipes, records one's pid and its own (the group's) atomically, and waits. Killing only the
// shell would let the run finish with the sleeps alive, so the tests would fail rather than hang.
const LINE = "sleep 60 >/dev/null 2>&1 & echo $! $$ > pid.tmp && mv pid.tmp pid; sleep 61 >/dev/null 2>&1";

/** Pids and process groups to kill after the tests, should a failing test leave them behind. */
const leftovers: number[] = [];
after(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
});

/** Starts LINE in workspace `name`; resolves `grandchild` once the background sleep is running. */
function startSleeper(
  executor: CommandExecutor,
  name: string,
  options: { timeoutMs?: number; signal?: AbortSignal },
) {
  mkdirSync(join(executor.workspaceRoot, name), { recursive: true });
  const running = executor.run(LINE, { workspace: name, ...options });
  const grandchild = waitForFile(join(executor.workspaceRoot, name), "pid").then((text) => {
    const [pid, group] = text.trim().split(" ").map(Number) as [number, number];
    leftovers.push(pid, -group);
    return pid;
  });
  return { running, grandchild };
}

describe("timeouts and cancellation kill the whole process group", () => {
  test("a per-call timeout kills the command and its grandchildren; the report says killed", {
    timeout: 20_000,
  }, async () => {
    const clock = new FakeClock();
    const executor = new CommandExecutor({ workspaceRoot, isolation: "process", allowShell: true, clock });
    const { running, grandchild } = startSleeper(executor, "timeout", { timeoutMs: 5000 });
    const pid = await grandchild;
    assert.ok(isAlive(pid));
    assert.deepEqual(clock.pending, [5000]);
    clock.advance(4999);
    assert.ok(isAlive(pid), "killed before the timeout");
    clock.advance(1);
    const report = await running;
    assert.equal(report.killed, true);
    assert.equal(report.exitCode, null);
    assert.match(report.stderr, /timed out after 5000 ms.*SYNAPSE_CODEX_TIMEOUT_MS/);
    assert.equal(isAlive(pid), false, "the grandchild survived the timeout");
  });

  test("the default timeout is 30 seconds", { timeout: 20_000 }, async () => {
    assert.equal(EXECUTOR_DEFAULTS.timeoutMs, 30_000);
    const clock = new FakeClock();
    const executor = new CommandExecutor({ workspaceRoot, isolation: "process", allowShell: true, clock });
    const { running, grandchild } = startSleeper(executor, "default", {});
    const pid = await grandchild;
    assert.deepEqual(clock.pending, [30_000]);
    clock.advance(30_000);
    assert.equal((await running).killed, true);
    assert.equal(isAlive(pid), false);
  });

  test("aborting the call's signal kills the group the same way", { timeout: 20_000 }, async () => {
    const executor = new CommandExecutor({
      workspaceRoot,
      isolation: "process",
      allowShell: true,
      clock: new FakeClock(),
    });
    const controller = new AbortController();
    const { running, grandchild } = startSleeper(executor, "abort", { signal: controller.signal });
    const pid = await grandchild;
    controller.abort();
    const report = await running;
    assert.equal(report.killed, true);
    assert.equal(report.exitCode, null);
    assert.match(report.stderr, /cancelled/);
    assert.equal(isAlive(pid), false);
  });

  test("close() kills running commands and refuses new ones with UNAVAILABLE", {
    timeout: 20_000,
  }, async () => {
    const executor = new CommandExecutor({
      workspaceRoot,
      isolation: "process",
      allowShell: true,
      clock: new FakeClock(),
    });
    const { running, grandchild } = startSleeper(executor, "close", {});
    const pid = await grandchild;
    executor.close();
    const report = await running;
    assert.equal(report.killed, true);
    assert.match(report.stderr, /shutting down/);
    assert.equal(isAlive(pid), false);
    await assert.rejects(executor.run("true"), { code: "UNAVAILABLE" });
  });

  test("a command that finishes in time is not killed and its timer is cleared", async () => {
    const clock = new FakeClock();
    const executor = new CommandExecutor({ workspaceRoot, isolation: "process", clock });
    const report = await executor.run("true");
    assert.equal(report.exitCode, 0);
    assert.equal(report.killed, undefined);
    assert.deepEqual(clock.pending, []);
  });
});
