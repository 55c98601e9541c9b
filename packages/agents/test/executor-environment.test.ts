import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { CommandExecutor, probeBwrap } from "../src/executor/index.js";
import { tempRoot } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");
const bwrapUsable = probeBwrap();

function parseEnv(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

describe("the child's environment", () => {
  process.env.SYNAPSE_TEST_SECRET = "synapse-secret-value-1234";
  process.env.ANTHROPIC_API_KEY = "sk-ant-secret-value-5678";
  process.env.OPENAI_API_KEY = "sk-openai-secret-value-9012";
  process.env.UNLISTED_VARIABLE = "not-on-the-list";
  after(() => {
    for (const name of ["SYNAPSE_TEST_SECRET", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "UNLISTED_VARIABLE"]) {
      delete process.env[name];
    }
  });

  for (const isolation of ["process", "bwrap"] as const) {
    test(`holds only allowlisted names and no secret (${isolation} isolation)`, async (t) => {
      if (isolation === "bwrap" && !bwrapUsable.usable) {
        t.skip(`bwrap is not usable here: ${bwrapUsable.reason}`);
        return;
      }
      const executor = new CommandExecutor({ workspaceRoot, isolation, keepWorkspace: true });
      const report = await executor.run("printenv");
      assert.equal(report.exitCode, 0);
      for (const secret of ["synapse-secret-value", "sk-ant-secret", "sk-openai-secret", "not-on-the-list"]) {
        assert.ok(!report.stdout.includes(secret), `${secret} leaked`);
      }
      const env = parseEnv(report.stdout);
      const allowed = new Set(["PATH", "HOME", "LANG", "LC_ALL", "TERM", "TZ", "PWD"]);
      for (const name of env.keys()) assert.ok(allowed.has(name), `unexpected variable ${name}`);
      assert.ok(env.has("PATH"));
      const home = env.get("HOME");
      assert.ok(home?.startsWith(`${executor.workspaceRoot}/`), `HOME is ${home}`);
      assert.equal(env.get("PWD"), home);
    });
  }

  test("the allowlist is configurable, but secrets and SYNAPSE_* names cannot be added", async () => {
    process.env.MY_TOOL_MODE = "fast";
    try {
      const executor = new CommandExecutor({
        workspaceRoot,
        isolation: "process",
        envAllowlist: ["MY_TOOL_MODE"],
      });
      const env = parseEnv((await executor.run("printenv")).stdout);
      assert.deepEqual([...env.keys()].sort(), ["MY_TOOL_MODE", "PATH", "PWD"]);
      assert.equal(env.get("MY_TOOL_MODE"), "fast");
    } finally {
      delete process.env.MY_TOOL_MODE;
    }
    for (const name of ["ANTHROPIC_API_KEY", "SYNAPSE_TEST_SECRET", "GITHUB_TOKEN", "DB_PASSWORD"]) {
      assert.throws(
        () => new CommandExecutor({ workspaceRoot, isolation: "process", envAllowlist: ["PATH", name] }),
        (err) => isSynapseError(err, "INVALID_ARGUMENT"),
        name,
      );
    }
  });
});
