import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { CommandExecutor, EXECUTOR_DEFAULTS } from "../src/executor/index.js";
import { tempRoot } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");

/**
 * A "slow command" the test controls: each child connects to this server, says its index, and
 * runs until the server closes its connection. So the test sees which commands are running,
 * in what order they started, and ends each when it likes — without timing.
 */
async function holdServer() {
  const held: { index: number; socket: Socket }[] = [];
  const started: number[] = [];
  let maxHeld = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    socket.once("data", (text: string) => {
      const index = Number(text.trim());
      started.push(index);
      held.push({ index, socket });
      maxHeld = Math.max(maxHeld, held.length);
      const ready = waiters.filter((w) => held.length >= w.count);
      waiters = waiters.filter((w) => held.length < w.count);
      for (const w of ready) w.resolve();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    started,
    get maxHeld() {
      return maxHeld;
    },
    /** argv of a command that holds until released. */
    command: (index: number) => [
      "node",
      "-e",
      `const s=require("net").connect(${port},"127.0.0.1",()=>s.write("${index}\\n"));s.on("close",()=>process.exit(0));s.on("error",()=>process.exit(3))`,
    ],
    /** Resolves once `count` commands are held. */
    heldAtLeast: (count: number) =>
      new Promise<void>((resolve) => {
        if (held.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    /** Ends the command that started first among those held. */
    releaseOldest: () => held.shift()?.socket.end(),
    close: () => {
      for (const h of held.splice(0)) h.socket.destroy();
      server.close();
    },
  };
}

describe("concurrency limit", () => {
  test("the default is 4 running at once", () => {
    assert.equal(EXECUTOR_DEFAULTS.maxConcurrent, 4);
  });

  test("at most maxConcurrent commands run at once; the rest wait and run as slots free", {
    timeout: 20_000,
  }, async () => {
    const server = await holdServer();
    try {
      const executor = new CommandExecutor({
        workspaceRoot,
        isolation: "process",
        allowedPrograms: ["node"],
        maxConcurrent: 2,
      });
      const runs = [0, 1, 2, 3, 4].map((i) => executor.run(server.command(i)));
      await server.heldAtLeast(2);
      assert.deepEqual(executor.stats(), { running: 2, waiting: 3 });
      for (let released = 0; released < 5; released++) {
        server.releaseOldest();
        if (released < 3) await server.heldAtLeast(2); // the freed slot goes to the next waiter
      }
      const reports = await Promise.all(runs);
      assert.deepEqual(
        reports.map((r) => r.exitCode),
        [0, 0, 0, 0, 0],
      );
      assert.equal(server.maxHeld, 2);
      assert.deepEqual(executor.stats(), { running: 0, waiting: 0 });
    } finally {
      server.close();
    }
  });

  test("waiters start in FIFO order, a full queue is RESOURCE_EXHAUSTED, an aborted waiter leaves", {
    timeout: 20_000,
  }, async () => {
    const server = await holdServer();
    try {
      const executor = new CommandExecutor({
        workspaceRoot,
        isolation: "process",
        allowedPrograms: ["node"],
        maxConcurrent: 1,
        maxWaiting: 3,
      });
      const first = executor.run(server.command(0));
      await server.heldAtLeast(1);
      const controller = new AbortController();
      const waiting = [
        executor.run(server.command(1)),
        executor.run(server.command(99), { signal: controller.signal }),
        executor.run(server.command(2)),
      ];
      // Workspaces are created before a call queues; wait until all three are queued.
      while (executor.stats().waiting < 3) await new Promise((r) => setImmediate(r));
      await assert.rejects(
        executor.run(server.command(3)),
        (err) =>
          isSynapseError(err, "RESOURCE_EXHAUSTED") && err.message.includes("SYNAPSE_CODEX_MAX_CONCURRENT"),
      );
      controller.abort();
      await assert.rejects(waiting[1] as Promise<unknown>, (err) => isSynapseError(err, "CANCELLED"));
      assert.deepEqual(executor.stats(), { running: 1, waiting: 2 });
      for (let i = 0; i < 3; i++) {
        server.releaseOldest();
        if (i < 2) await server.heldAtLeast(1);
      }
      await Promise.all([first, waiting[0], waiting[2]]);
      assert.deepEqual(server.started, [0, 1, 2]);
    } finally {
      server.close();
    }
  });
});
