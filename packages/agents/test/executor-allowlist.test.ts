import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { CommandExecutor, DEFAULT_ALLOWED_PROGRAMS, EXECUTOR_DEFAULTS } from "../src/executor/index.js";
import { tempRoot } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");

describe("program allowlist", () => {
  const executor = new CommandExecutor({ workspaceRoot, isolation: "process" });

  test("the default allowlist is the documented restrictive set, without interpreters or exec-capable tools", () => {
    assert.equal(EXECUTOR_DEFAULTS.allowedPrograms, DEFAULT_ALLOWED_PROGRAMS);
    for (const p of ["node", "npm", "npx", "python3", "sh", "bash", "env", "find", "xargs", "git", "sort"]) {
      assert.ok(!DEFAULT_ALLOWED_PROGRAMS.includes(p), p);
    }
  });

  test("an allowed program runs and its report has argv, exit code, output and duration", async () => {
    const report = await executor.run("echo hello world");
    assert.deepEqual(report.argv, ["echo", "hello", "world"]);
    assert.equal(report.exitCode, 0);
    assert.equal(report.stdout, "hello world\n");
    assert.equal(report.stderr, "");
    assert.equal(typeof report.durationMs, "number");
    assert.equal(report.killed, undefined);
    assert.equal(report.truncated, undefined);
  });

  test("a failing allowed program reports its exit code", async () => {
    const report = await executor.run(["false"]);
    assert.equal(report.exitCode, 1);
  });

  test("a program not on the list is PERMISSION_DENIED, naming it and the setting that allows more", async () => {
    await assert.rejects(
      executor.run("rm -rf x"),
      (err) =>
        isSynapseError(err, "PERMISSION_DENIED") &&
        err.message.includes('"rm"') &&
        err.message.includes("allowedPrograms") &&
        err.message.includes("SYNAPSE_CODEX_ALLOWED_PROGRAMS"),
    );
  });

  test("a program given with a path is checked by its name", async () => {
    await assert.rejects(executor.run(["/bin/rm", "x"]), (err) => isSynapseError(err, "PERMISSION_DENIED"));
    const report = await executor.run(["/bin/echo", "by path"]);
    assert.equal(report.stdout, "by path\n");
  });

  test("an allowed name at another path (a look-alike) is refused", async () => {
    const fake = join(root.dir, "fake-bin");
    mkdirSync(fake);
    copyFileSync("/bin/echo", join(fake, "echo"));
    await assert.rejects(
      executor.run([join(fake, "echo"), "x"]),
      (err) => isSynapseError(err, "PERMISSION_DENIED") && err.message.includes("Give the program by name"),
    );
  });

  test("a program inside the workspace is refused unless allowWorkspacePrograms", async () => {
    const ws = join(workspaceRoot, "progs");
    mkdirSync(ws, { recursive: true });
    copyFileSync("/bin/echo", join(ws, "echo"));
    await assert.rejects(
      executor.run(["./echo", "x"], { workspace: "progs" }),
      (err) => isSynapseError(err, "PERMISSION_DENIED") && err.message.includes("allowWorkspacePrograms"),
    );
    const permissive = new CommandExecutor({
      workspaceRoot,
      isolation: "process",
      allowWorkspacePrograms: true,
    });
    const report = await permissive.run(["./echo", "from workspace"], { workspace: "progs" });
    assert.equal(report.stdout, "from workspace\n");
  });

  test("a workspace symlink to the installed program counts as that program", async () => {
    const ws = join(workspaceRoot, "links");
    mkdirSync(ws, { recursive: true });
    symlinkSync("/bin/echo", join(ws, "echo"));
    const report = await executor.run(["./echo", "via link"], { workspace: "links" });
    assert.equal(report.stdout, "via link\n");
  });

  test("more programs can be allowed", async () => {
    const wider = new CommandExecutor({ workspaceRoot, isolation: "process", allowedPrograms: ["node"] });
    const report = await wider.run(["node", "-e", "console.log(6 * 7)"]);
    assert.equal(report.stdout, "42\n");
    await assert.rejects(wider.run("echo no"), (err) => isSynapseError(err, "PERMISSION_DENIED"));
  });

  test("an allowed program that is not installed is NOT_FOUND", async () => {
    const wider = new CommandExecutor({
      workspaceRoot,
      isolation: "process",
      allowedPrograms: ["no-such-program-xyz"],
    });
    await assert.rejects(wider.run("no-such-program-xyz"), (err) => isSynapseError(err, "NOT_FOUND"));
  });

  test("bad options are refused at construction", () => {
    assert.throws(
      () => new CommandExecutor({ workspaceRoot, isolation: "process", allowedPrograms: ["/bin/sh"] }),
      (err) => isSynapseError(err, "INVALID_ARGUMENT"),
    );
    assert.throws(
      () => new CommandExecutor({ workspaceRoot, isolation: "process", maxConcurrent: 0 }),
      (err) => isSynapseError(err, "INVALID_ARGUMENT") && err.message.includes("maxConcurrent"),
    );
  });
});
