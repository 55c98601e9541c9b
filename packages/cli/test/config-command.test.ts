import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { describeConfig, loadConfig, SETTINGS } from "@synapse/core";
import { runCli } from "./run-cli.js";

describe("synapse config", () => {
  test("prints every setting with its variable and value", async () => {
    const { code, stdout, stderr } = await runCli(["config"], { SYNAPSE_CLAUDE_REPLICAS: "3" });
    assert.equal(code, 0, stderr);
    const rows = stdout.trimEnd().split("\n");
    assert.deepEqual(rows[0]?.split(/\s+/), ["path", "env", "value"]);
    assert.equal(rows.length, SETTINGS.length + 1);
    for (const { path, setting } of SETTINGS) {
      assert.ok(
        rows.some((r) => r.split(/\s+/)[0] === path && r.split(/\s+/)[1] === setting.env),
        `${path} is listed`,
      );
    }
    assert.deepEqual(rows.find((r) => r.startsWith("claude.replicas "))?.split(/\s+/), [
      "claude.replicas",
      "SYNAPSE_CLAUDE_REPLICAS",
      "3",
    ]);
  });

  test("--all adds each setting's doc", async () => {
    const { code, stdout } = await runCli(["config", "--all"]);
    assert.equal(code, 0);
    assert.deepEqual(stdout.split("\n")[0]?.split(/\s+/), ["path", "env", "value", "doc"]);
    for (const { setting } of SETTINGS) assert.ok(stdout.includes(setting.doc), setting.env);
  });

  test("--json prints the rows describeConfig gives", async () => {
    const env = { SYNAPSE_HOST: "0.0.0.0", SYNAPSE_GEMINI_TCP_PORT: "6002" };
    const { code, stdout } = await runCli(["config", "--json"], env);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), describeConfig(loadConfig(env)));
  });

  test("masks secrets", async () => {
    const { code, stdout } = await runCli(["config", "--json"], { SYNAPSE_API_KEYS: "sk-very-secret,other" });
    assert.equal(code, 0);
    assert.ok(!stdout.includes("sk-very-secret"));
    const row = (JSON.parse(stdout) as { env: string; value: string }[]).find(
      (r) => r.env === "SYNAPSE_API_KEYS",
    );
    assert.equal(row?.value, '["********", "********"]');
  });

  test("an invalid value exits 2 with a message naming the variable", async () => {
    const { code, stdout, stderr } = await runCli(["config"], { SYNAPSE_CLAUDE_GRPC_PORT: "abc" });
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^Invalid configuration:\n {2}- SYNAPSE_CLAUDE_GRPC_PORT = /);
    assert.ok(!stderr.includes("    at "), "no stack trace");
  });

  test("an unknown SYNAPSE_ variable is named too", async () => {
    const { code, stderr } = await runCli(["config"], { SYNAPSE_FOO: "1" });
    assert.equal(code, 2);
    assert.match(stderr, /SYNAPSE_FOO: not a setting/);
  });

  test("every command that reads the configuration refuses an invalid one the same way", async () => {
    for (const args of [["up"], ["services", "--service", "codex"]]) {
      const { code, stderr } = await runCli(args, { SYNAPSE_READY_TIMEOUT_MS: "-5" });
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, /SYNAPSE_READY_TIMEOUT_MS/);
    }
  });
});

describe("synapse command line", () => {
  test("--help lists the commands", async () => {
    const { code, stdout } = await runCli(["--help"]);
    assert.equal(code, 0);
    for (const command of ["up", "services", "service", "gateway", "call", "config"])
      assert.match(stdout, new RegExp(`^ {2}${command}\\b`, "m"));
  });

  test("an unknown command or option is commander's error, exit 1", async () => {
    const unknownCommand = await runCli(["bogus"]);
    assert.equal(unknownCommand.code, 1);
    assert.match(unknownCommand.stderr, /^error: unknown command 'bogus'/);
    const unknownOption = await runCli(["config", "--bogus"]);
    assert.equal(unknownOption.code, 1);
    assert.match(unknownOption.stderr, /^error: unknown option '--bogus'/);
    const badChoice = await runCli(["services", "--service", "llama"]);
    assert.equal(badChoice.code, 1);
    assert.match(
      badChoice.stderr,
      /argument 'llama' is invalid\. Allowed choices are all, claude, gemini, codex/,
    );
    const badNumber = await runCli(["services", "--replicas", "0"]);
    assert.equal(badNumber.code, 1);
    assert.match(
      badNumber.stderr,
      /'--replicas <n>' argument '0' is invalid\. expected an integer from 1 to 64/,
    );
  });
});
