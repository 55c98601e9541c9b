import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { CommandExecutor } from "../src/executor/index.js";
import { tempRoot } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");
const ws = join(workspaceRoot, "w");
const outside = join(root.dir, "outside");

describe("paths that leave the workspace", () => {
  const executor = new CommandExecutor({ workspaceRoot, isolation: "process" });
  const denied = (err: unknown) =>
    isSynapseError(err, "PERMISSION_DENIED") && err.message.includes("outside the workspace");

  before(() => {
    writeFileSync(join(root.dir, "secret"), "TOP SECRET\n");
    mkdirSync(outside);
    writeFileSync(join(outside, "file"), "outside\n");
    mkdirSync(join(ws, "sub"), { recursive: true });
    writeFileSync(join(ws, "sub", "inside.txt"), "inside\n");
    symlinkSync(join(root.dir, "secret"), join(ws, "secret-link"));
    symlinkSync(outside, join(ws, "dir-link"));
    symlinkSync(join(ws, "sub", "inside.txt"), join(ws, "inside-link"));
  });

  const cases: [string, string | string[]][] = [
    ["../secret", "cat ../secret"],
    ["../../secret", "cat ../../secret"],
    ["..", "ls .."],
    ["/etc/passwd", "cat /etc/passwd"],
    ["/", "ls /"],
    ["a symlink to a file outside", "cat secret-link"],
    ["a path through a symlinked directory", "cat dir-link/file"],
    ["a symlink followed by .. (resolved as the kernel does)", "cat dir-link/../secret"],
    ["a sub-path climbing out", "cat sub/../../../secret"],
    ["an option value after =", ["grep", "--file=/etc/passwd", "x"]],
    ["a short option's glued value", ["grep", "-f/etc/passwd", "x"]],
  ];
  for (const [what, command] of cases) {
    test(`${what} is PERMISSION_DENIED`, async () => {
      await assert.rejects(executor.run(command, { workspace: "w" }), denied);
    });
  }

  test("paths inside the workspace work, including symlinks that stay inside", async () => {
    assert.equal((await executor.run("cat sub/inside.txt", { workspace: "w" })).stdout, "inside\n");
    assert.equal((await executor.run("cat ./sub/../sub/inside.txt", { workspace: "w" })).stdout, "inside\n");
    assert.equal((await executor.run("cat inside-link", { workspace: "w" })).stdout, "inside\n");
    assert.equal(
      (await executor.run(`cat ${join(ws, "sub", "inside.txt")}`, { workspace: "w" })).stdout,
      "inside\n",
    );
  });

  test("a file that does not exist yet inside the workspace is allowed (programs may create it)", async () => {
    const report = await executor.run("mkdir -p new/dir", { workspace: "w" });
    assert.equal(report.exitCode, 0);
  });

  test("a workspace name cannot climb out of the workspace root", async () => {
    await assert.rejects(executor.run("pwd", { workspace: "../x" }), (err) =>
      isSynapseError(err, "INVALID_ARGUMENT"),
    );
  });
});
