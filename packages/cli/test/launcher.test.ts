import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock, isSynapseError } from "@synapse/core";
import type { LauncherEvent } from "../src/launcher/supervised-child.js";
import { fakeSpecs, harness } from "./launcher-harness.js";
import { isAlive, until } from "./processes.js";

type Of<K extends LauncherEvent["type"]> = Extract<LauncherEvent, { type: K }>;
const is =
  <K extends LauncherEvent["type"]>(type: K, name: string, pred: (e: Of<K>) => boolean = () => true) =>
  (e: LauncherEvent): e is Of<K> =>
    e.type === type && e.name === name && pred(e as Of<K>);

const spawnedPids = (events: LauncherEvent[]) => events.flatMap((e) => (e.type === "spawned" ? [e.pid] : []));

describe("Launcher", () => {
  test("starts N children, reports each ready with its pid and ports, and stops them all", async () => {
    const h = harness(3);
    try {
      const status = await h.launcher.start();
      assert.deepEqual(
        status.map((s) => [s.name, s.state, s.ports]),
        [0, 1, 2].map((i) => [
          `claude#${i}`,
          "ready",
          { grpc: 41_000 + i, tcp: 42_000 + i, metrics: 43_000 + i },
        ]),
      );
      const pids = status.map((s) => s.pid ?? 0);
      assert.equal(new Set(pids).size, 3);
      for (const pid of pids) assert.ok(isAlive(pid), `child ${pid} runs`);
      await h.launcher.stop();
      for (const pid of pids) assert.ok(!isAlive(pid), `child ${pid} is gone after stop`);
      assert.deepEqual(
        h.events.filter((e) => e.type === "exited").map((e) => (e as Of<"exited">).expected),
        [true, true, true],
      );
    } finally {
      await h.launcher.stop();
    }
  });

  test("restarts a child killed with SIGKILL: new pid, ready again", async () => {
    const h = harness(2, {}, { restartInitialMs: 20 });
    try {
      const [first] = await h.launcher.start();
      const oldPid = first?.pid ?? 0;
      process.kill(oldPid, "SIGKILL");
      const again = await h.event(is("ready", "claude#0", (e) => e.pid !== oldPid));
      assert.ok(isAlive(again.pid));
      assert.ok(!isAlive(oldPid));
      const exited = h.events.find(is("exited", "claude#0"));
      assert.equal(exited?.signal, "SIGKILL");
      assert.equal(exited?.expected, false);
      assert.deepEqual(
        h.events.filter((e) => e.type === "restarting"),
        [{ type: "restarting", name: "claude#0", delayMs: 20, attempt: 1 }],
      );
      assert.equal(h.launcher.status()[0]?.pid, again.pid);
      assert.ok(
        h.logs.some((l) => l.includes("claude#0 exited unexpectedly (signal SIGKILL); restarting in 20 ms")),
        "the restart is logged",
      );
    } finally {
      await h.launcher.stop();
    }
  });

  test("restart delays double while a child keeps crashing and start over once it stayed up 30 s", async () => {
    const clock = new FakeClock();
    const h = harness(1, {}, { clock, restartInitialMs: 100, restartMaxMs: 300 });
    const restarts = () => h.events.filter((e): e is Of<"restarting"> => e.type === "restarting");
    const crash = async () => {
      const before = restarts().length;
      process.kill(h.launcher.status()[0]?.pid ?? 0, "SIGKILL");
      await until(() => restarts().length === before + 1, "a restart");
      return restarts().at(-1);
    };
    const readyAgain = async (count: number) => {
      await until(() => h.events.filter(is("ready", "claude#0")).length === count, `ready #${count}`);
    };
    try {
      await h.launcher.start();
      assert.deepEqual(await crash(), { type: "restarting", name: "claude#0", delayMs: 100, attempt: 1 });
      clock.advance(99);
      assert.equal(h.events.filter(is("spawned", "claude#0")).length, 1, "not restarted before the delay");
      clock.advance(1);
      await readyAgain(2);
      assert.equal((await crash())?.delayMs, 200);
      clock.advance(200);
      await readyAgain(3);
      assert.equal((await crash())?.delayMs, 300, "capped at restartMaxMs");
      clock.advance(300);
      await readyAgain(4);
      clock.advance(30_000);
      assert.deepEqual(await crash(), { type: "restarting", name: "claude#0", delayMs: 100, attempt: 1 });
    } finally {
      await h.launcher.stop();
    }
  });

  test("a child that never becomes ready fails the start with its name, and no process is left", async () => {
    const clock = new FakeClock();
    const h = harness(3, { FIXTURE_NEVER_READY: "claude#1" }, { clock, readyTimeoutMs: 400 });
    const started = h.launcher.start();
    started.catch(() => {});
    await h.event(is("ready", "claude#0"));
    await h.event(is("ready", "claude#2"));
    clock.advance(399);
    assert.deepEqual(
      h.launcher.status().map((s) => s.state),
      ["ready", "starting", "ready"],
    );
    clock.advance(1);
    await assert.rejects(started, (err: unknown) => {
      assert.ok(isSynapseError(err, "DEADLINE_EXCEEDED"));
      assert.equal(
        err.message,
        "claude#1 did not report ready within 400 ms (launcher.readyTimeoutMs, SYNAPSE_READY_TIMEOUT_MS); " +
          "see its log above.",
      );
      return true;
    });
    const pids = spawnedPids(h.events);
    assert.equal(pids.length, 3);
    for (const pid of pids) assert.ok(!isAlive(pid), `child ${pid} is gone`);
    assert.deepEqual(
      h.launcher.status().map((s) => s.state),
      ["stopped", "stopped", "stopped"],
    );
  });

  test("a child that exits before it is ready fails the start, naming it and its exit code", async () => {
    const h = harness(2, { FIXTURE_EXIT_AT_START: "claude#0" });
    await assert.rejects(h.launcher.start(), (err: unknown) => {
      assert.ok(isSynapseError(err, "UNAVAILABLE"));
      assert.equal(err.message, "claude#0 exited (code 3) before it was ready; see its log above.");
      return true;
    });
    for (const pid of spawnedPids(h.events)) assert.ok(!isAlive(pid));
    assert.equal(
      h.events.filter((e) => e.type === "restarting").length,
      0,
      "a failed start is not restarted",
    );
  });

  test("a child that ignores SIGTERM is killed after the stop timeout", async () => {
    const h = harness(2, { FIXTURE_IGNORE_TERM: "claude#1" }, { stopTimeoutMs: 300 });
    const status = await h.launcher.start();
    await h.launcher.stop();
    for (const s of status) assert.ok(!isAlive(s.pid ?? 0));
    assert.equal(h.events.find(is("exited", "claude#0"))?.signal, null, "claude#0 exited by itself");
    assert.equal(h.events.find(is("exited", "claude#1"))?.signal, "SIGKILL");
    assert.ok(h.logs.some((l) => l.includes("claude#1 did not exit within 300 ms of SIGTERM; killing it")));
  });

  test("children marked stopsFirst are gone before the others are asked to stop", async () => {
    const specs = fakeSpecs(3).map((spec, i) => (i === 1 ? { ...spec, stopsFirst: true } : spec));
    // The front child holds out until SIGKILL, so a simultaneous stop would see the others go first.
    const h = harness(3, { FIXTURE_IGNORE_TERM: "claude#1" }, { stopTimeoutMs: 300 }, specs);
    await h.launcher.start();
    await h.launcher.stop();
    const exits = h.events.flatMap((e) => (e.type === "exited" ? [e.name] : []));
    assert.equal(exits[0], "claude#1");
    assert.deepEqual([...exits].sort(), ["claude#0", "claude#1", "claude#2"]);
  });

  test("each child log line is printed once, naming its process once; plain lines get the name as prefix", async () => {
    const h = harness(2);
    try {
      await h.launcher.start();
    } finally {
      await h.launcher.stop();
    }
    for (const name of ["claude#0", "claude#1"]) {
      const lines = h.logs.filter((l) => l.includes(`hello from ${name}`));
      assert.equal(lines.length, 1, `one line for ${name}: ${lines.join("\n")}`);
      assert.equal(lines[0]?.match(/"proc"/g)?.length, 1);
      assert.equal((JSON.parse(lines[0] ?? "") as { proc: string }).proc, name);
      const stopping = h.logs.filter(
        (l) => l.includes("fixture: stopping") && l.includes(`"proc":"${name}"`),
      );
      assert.equal(stopping.length, 1, "lines written while stopping are relayed too");
    }
    const plain = String(h.stdout.read() ?? "")
      .split("\n")
      .filter(Boolean)
      .sort();
    assert.deepEqual(plain, ["[claude#0] plain line from claude#0", "[claude#1] plain line from claude#1"]);
  });
});
