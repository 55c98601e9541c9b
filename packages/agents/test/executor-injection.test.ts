import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, beforeEach, describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { CommandExecutor } from "../src/executor/index.js";
import { tempRoot } from "./executor-fixtures.js";

// Each injected command would create the canary file; it must never exist after a run with the
// shell off. The last test turns the shell on to show the canary does catch an injection.
const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");
const canary = join(root.dir, "canary");
const touch = `touch ${canary}`;

describe("command injection with the shell off", () => {
  const executor = new CommandExecutor({
    workspaceRoot,
    isolation: "process",
    allowedPrograms: ["echo", "true", "touch"],
  });
  beforeEach(() => rmSync(canary, { force: true }));

  const rejected: [string, string][] = [
    ["separator", `echo hi; ${touch}`],
    ["rm -rf after a separator", "ls; rm -rf /"],
    ["command substitution", `echo $(${touch})`],
    ["command substitution in double quotes", `echo "$(${touch})"`],
    ["backticks", `echo \`${touch}\``],
    ["newline", `echo a\n${touch}`],
    ["&&", `true && ${touch}`],
    ["||", `false || ${touch}`],
    ["pipe", `echo hi | ${touch}`],
    ["redirection", `echo hi > ${canary}`],
    ["background job", `${touch} &`],
  ];
  for (const [what, line] of rejected) {
    test(`${what} is rejected with INVALID_ARGUMENT and nothing runs`, async () => {
      await assert.rejects(executor.run(line), (err) => isSynapseError(err, "INVALID_ARGUMENT"));
      assert.equal(existsSync(canary), false);
    });
  }

  const literal: [string, string | string[], string][] = [
    ["quoted $(…)", `echo '$(${touch})'`, `$(${touch})\n`],
    ["quoted separator", `echo 'hi; ${touch}'`, `hi; ${touch}\n`],
    ["quoted backticks", `echo '\`${touch}\`'`, `\`${touch}\`\n`],
    ["quoted newline", `echo 'a\n${touch}'`, `a\n${touch}\n`],
    ["argv with a separator", ["echo", `hi; ${touch}`], `hi; ${touch}\n`],
    ["argv with $(…)", ["echo", `$(${touch})`], `$(${touch})\n`],
    ["argv with && and |", ["echo", `a && ${touch} | x > y`], `a && ${touch} | x > y\n`],
  ];
  for (const [what, command, stdout] of literal) {
    test(`${what} reaches the program literally and nothing else runs`, async () => {
      const report = await executor.run(command);
      assert.equal(report.exitCode, 0);
      assert.equal(report.stdout, stdout);
      assert.equal(existsSync(canary), false);
    });
  }

  test("control: with the shell on, the same injection does run (the canary works)", async () => {
    const shell = new CommandExecutor({ workspaceRoot, isolation: "process", allowShell: true });
    const report = await shell.run(`true && ${touch}`);
    assert.deepEqual(report.argv, ["/bin/sh", "-c", `true && ${touch}`]);
    assert.equal(report.exitCode, 0);
    assert.equal(existsSync(canary), true);
  });
});
