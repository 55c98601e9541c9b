import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  ConfigError,
  describeConfig,
  loadConfig,
  maskSecret,
  SETTINGS,
  simFaultsApply,
} from "../src/config.js";
import { secret } from "../src/settings.js";

describe("configuration", () => {
  test("every setting has a default that passes its own schema, an env name and a one-line doc", () => {
    const envs = new Set<string>();
    for (const { path, setting } of SETTINGS) {
      assert.ok(setting.schema.safeParse(setting.default).success, `${path} default is invalid`);
      // Vendor API keys keep the names every vendor SDK reads; everything else is SYNAPSE_*.
      const envName =
        setting.secret && path.startsWith("keys.") ? /^[A-Z]+_API_KEY$/ : /^SYNAPSE_[A-Z0-9_]+$/;
      assert.match(setting.env, envName, `${path} env name`);
      assert.ok(!envs.has(setting.env), `${setting.env} used twice`);
      envs.add(setting.env);
      assert.ok(setting.doc.length > 10 && !setting.doc.includes("\n"), `${path} doc`);
    }
  });

  test("vendor API keys come from their usual variables, as masked secrets", () => {
    const config = loadConfig({
      ANTHROPIC_API_KEY: "sk-ant-test",
      GOOGLE_API_KEY: "g-test",
      OPENAI_API_KEY: "",
    });
    assert.deepEqual(config.keys, { anthropic: "sk-ant-test", gemini: "", google: "g-test", openai: "" });
    const rows = describeConfig(config).filter((r) => r.path.startsWith("keys."));
    assert.equal(rows.find((r) => r.path === "keys.anthropic")?.value, '"********"');
    assert.equal(rows.find((r) => r.path === "keys.openai")?.value, "(not set)");
    assert.ok(!JSON.stringify(rows).includes("sk-ant-test"));
  });

  test("defaults follow DESIGN.md ports", () => {
    const config = loadConfig({});
    assert.equal(config.claude.grpcPort, 5011);
    assert.equal(config.gemini.tcpPort, 5002);
    assert.equal(config.codex.metricsPort, 9013);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.claude.provider, "sim");
  });

  test("environment variables are parsed into typed values", () => {
    const config = loadConfig({
      SYNAPSE_CLAUDE_GRPC_PORT: "6011",
      SYNAPSE_LOG_LEVEL: "debug",
      SYNAPSE_GEMINI_SIM_ERROR_RATE: "0.25",
    });
    assert.equal(config.claude.grpcPort, 6011);
    assert.equal(config.log.level, "debug");
    assert.equal(config.gemini.sim.errorRate, 0.25);
  });

  test("an invalid value stops loading with a message naming the setting and the reason", () => {
    assert.throws(
      () => loadConfig({ SYNAPSE_CLAUDE_GRPC_PORT: "abc", SYNAPSE_LOG_LEVEL: "loud" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /SYNAPSE_CLAUDE_GRPC_PORT = "abc": /);
        assert.match(err.message, /SYNAPSE_LOG_LEVEL = "loud": .*trace/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ SYNAPSE_CLAUDE_GRPC_PORT: "70000" }),
      /SYNAPSE_CLAUDE_GRPC_PORT = "70000": .*65535/,
    );
  });

  test("an unknown SYNAPSE_ variable is named, so a typo does not pass silently", () => {
    assert.throws(
      () => loadConfig({ SYNAPSE_CLAUDE_GRPC_PROT: "1" }),
      /SYNAPSE_CLAUDE_GRPC_PROT: not a setting/,
    );
  });

  test("a config file (YAML or JSON) is read, and the environment overrides it", () => {
    const dir = mkdtempSync(join(tmpdir(), "synapse-config-"));
    const yaml = join(dir, "synapse.yaml");
    writeFileSync(yaml, "gateway_unused: 1\n");
    assert.throws(() => loadConfig({ SYNAPSE_CONFIG: yaml }), /"gateway_unused" is not a setting/);
    writeFileSync(yaml, "claude:\n  replicas: 3\n  grpcPort: 7011\nlog:\n  level: warn\n");
    const config = loadConfig({ SYNAPSE_CONFIG: yaml, SYNAPSE_CLAUDE_GRPC_PORT: "8011" });
    assert.equal(config.claude.replicas, 3);
    assert.equal(config.claude.grpcPort, 8011);
    assert.equal(config.log.level, "warn");
    const json = join(dir, "synapse.json");
    writeFileSync(json, JSON.stringify({ codex: { replicas: "two" } }));
    assert.throws(() => loadConfig({ SYNAPSE_CONFIG: json }), /codex\.replicas/);
    assert.throws(() => loadConfig({ SYNAPSE_CONFIG: join(dir, "missing.yaml") }), /cannot read/);
  });

  test("describeConfig lists every setting and masks secrets", () => {
    const rows = describeConfig(loadConfig({}));
    assert.equal(rows.length, SETTINGS.length);
    const key = secret("SYNAPSE_TEST_KEY", "A test secret.");
    assert.equal(key.secret, true);
    assert.equal(maskSecret("sk-live-123456"), '"********"');
    assert.equal(maskSecret(""), "(not set)");
    assert.doesNotMatch(maskSecret(["abc", "def"]), /abc|def/);
  });

  test("sim faults apply to the listed replicas only", () => {
    const config = loadConfig({ SYNAPSE_CLAUDE_SIM_FAULT_REPLICAS: "1, 2" });
    assert.equal(simFaultsApply(config.claude, 0), false);
    assert.equal(simFaultsApply(config.claude, 2), true);
    assert.equal(simFaultsApply(config.gemini, 0), true);
  });
});
