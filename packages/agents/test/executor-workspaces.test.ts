import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { CommandExecutor } from "../src/executor/index.js";
import { tempRoot } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);

describe("workspaces", () => {
  test("defaults to <dataDir>/workspaces; each run gets a fresh directory, removed afterwards", async () => {
    const executor = new CommandExecutor({ dataDir: join(root.dir, "data"), isolation: "process" });
    assert.equal(executor.workspaceRoot, join(root.dir, "data", "workspaces"));
    const first = (await executor.run("pwd")).stdout.trim();
    const second = (await executor.run("pwd")).stdout.trim();
    assert.notEqual(first, second);
    assert.equal(dirname(first), executor.workspaceRoot);
    assert.equal(existsSync(first), false);
    assert.deepEqual(readdirSync(executor.workspaceRoot), []);
  });

  test("keepWorkspace keeps them", async () => {
    const executor = new CommandExecutor({
      workspaceRoot: join(root.dir, "kept"),
      isolation: "process",
      keepWorkspace: true,
    });
    const dir = (await executor.run("pwd")).stdout.trim();
    assert.equal(existsSync(dir), true);
  });

  test("runAll runs in order in one workspace and reports every command", async () => {
    const executor = new CommandExecutor({ workspaceRoot: join(root.dir, "all"), isolation: "process" });
    const result = await executor.runAll(["mkdir made", ["ls"], "echo done"]);
    assert.equal(result.executed, true);
    assert.equal(result.isolation, "process");
    assert.deepEqual(
      result.commands.map((c) => [c.argv, c.exitCode, c.stdout]),
      [
        [["mkdir", "made"], 0, ""],
        [["ls"], 0, "made\n"],
        [["echo", "done"], 0, "done\n"],
      ],
    );
  });

  test("runAll stops after the first command that fails", async () => {
    const executor = new CommandExecutor({ workspaceRoot: join(root.dir, "stop"), isolation: "process" });
    const result = await executor.runAll(["echo one", "false", "echo never"]);
    assert.deepEqual(
      result.commands.map((c) => c.exitCode),
      [0, 1],
    );
  });

  test("runAll checks every command before running any", async () => {
    const executor = new CommandExecutor({ workspaceRoot: join(root.dir, "check"), isolation: "process" });
    await assert.rejects(executor.runAll(["mkdir made", "cat /etc/passwd"], { workspace: "w" }), (err) =>
      isSynapseError(err, "PERMISSION_DENIED"),
    );
    await assert.rejects(executor.runAll(["mkdir made", "curl example.com"], { workspace: "w" }), (err) =>
      isSynapseError(err, "PERMISSION_DENIED"),
    );
    assert.equal(existsSync(join(executor.workspaceRoot, "w", "made")), false);
  });

  test("a named workspace is shared across calls and kept", async () => {
    const executor = new CommandExecutor({ workspaceRoot: join(root.dir, "named"), isolation: "process" });
    await executor.run("mkdir shared", { workspace: "job-1" });
    assert.equal((await executor.run("ls", { workspace: "job-1" })).stdout, "shared\n");
    assert.equal(existsSync(join(executor.workspaceRoot, "job-1", "shared")), true);
  });
});
