import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { CommandExecutor, EXECUTOR_DEFAULTS } from "../src/executor/index.js";
import { tempRoot } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");

describe("output caps", () => {
  test("the default cap is 64 KiB per stream", () => {
    assert.equal(EXECUTOR_DEFAULTS.outputCapBytes, 65_536);
  });

  test("10 MB on stdout: the child is not blocked, the text is cut at the cap with a marker", async () => {
    const executor = new CommandExecutor({ workspaceRoot, isolation: "process", allowedPrograms: ["node"] });
    const total = 10 * 1024 * 1024;
    // The child only exits after its last write is flushed, so finishing proves we kept reading.
    const report = await executor.run(["node", "-e", `process.stdout.write("x".repeat(${total}))`]);
    assert.equal(report.exitCode, 0);
    assert.equal(report.truncated, true);
    const marker = `\n…[truncated: ${total - 65_536} bytes omitted]`;
    assert.ok(report.stdout.endsWith(marker), report.stdout.slice(-80));
    assert.equal(report.stdout.length, 65_536 + marker.length);
    assert.equal(report.stderr, "");
  });

  test("stderr is capped on its own, and output under the cap is untouched", async () => {
    const executor = new CommandExecutor({
      workspaceRoot,
      isolation: "process",
      allowedPrograms: ["node"],
      outputCapBytes: 10,
    });
    const report = await executor.run([
      "node",
      "-e",
      'process.stdout.write("short");process.stderr.write("e".repeat(25))',
    ]);
    assert.equal(report.stdout, "short");
    assert.equal(report.stderr, "eeeeeeeeee\n…[truncated: 15 bytes omitted]");
    assert.equal(report.truncated, true);
  });
});
