import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError, createLogger, describeConfig, loadConfig, SynapseError } from "@synapse/core";
import { startRedisServer } from "@synapse/testkit";
import { runGateway } from "../src/gateway-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "synapse-state-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const silent = createLogger({ name: "gateway", level: "silent", format: "json" });

/** Starts a gateway in shared mode with `env`; these all fail before anything listens. */
const start = (env: Record<string, string>) =>
  runGateway(
    loadConfig({ SYNAPSE_DATA_DIR: dataDir, SYNAPSE_GATEWAY_PORT: "0", SYNAPSE_STATE: "shared", ...env }),
    silent,
  );

const failsWith = (code: string, pattern: RegExp, secret?: string) => (e: unknown) => {
  assert.ok(e instanceof SynapseError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, pattern);
  if (secret !== undefined) assert.doesNotMatch(e.message, new RegExp(secret));
  return true;
};

describe("shared state start-up and configuration", () => {
  test("SYNAPSE_STATE is embedded or shared; the Redis URL is a secret, masked", () => {
    assert.equal(loadConfig({}).state.mode, "embedded");
    assert.throws(
      () => loadConfig({ SYNAPSE_STATE: "cluster" }),
      (e: unknown) => {
        return e instanceof ConfigError && /SYNAPSE_STATE/.test(e.message);
      },
    );
    const config = loadConfig({
      SYNAPSE_STATE: "shared",
      SYNAPSE_REDIS_URL: "redis://:hunter2@cache:6379/0",
    });
    assert.equal(config.state.redisUrl, "redis://:hunter2@cache:6379/0");
    const row = describeConfig(config).find((r) => r.env === "SYNAPSE_REDIS_URL");
    assert.equal(row?.value, '"********"');
  });

  test("shared mode without SYNAPSE_REDIS_URL stops start-up, saying what to set", async () => {
    await assert.rejects(start({}), failsWith("FAILED_PRECONDITION", /needs SYNAPSE_REDIS_URL/));
  });

  test("a URL that is not redis:// or rediss:// is refused without echoing it", async () => {
    await assert.rejects(
      start({ SYNAPSE_REDIS_URL: "http://user:hunter2@cache:80" }),
      failsWith("INVALID_ARGUMENT", /expected redis:\/\/ or rediss:\/\/.*SYNAPSE_REDIS_URL/, "hunter2"),
    );
  });

  test("an unreachable Redis stops start-up, naming host and port but never the password", async () => {
    // A port that just had a Redis on it, so nothing listens there now.
    const gone = await startRedisServer();
    await gone.stop();
    await assert.rejects(
      start({ SYNAPSE_REDIS_URL: `redis://:hunter2@127.0.0.1:${gone.port}` }),
      failsWith(
        "UNAVAILABLE",
        new RegExp(`Cannot reach Redis at 127\\.0\\.0\\.1:${gone.port}.*\\(SYNAPSE_REDIS_URL\\)`),
        "hunter2",
      ),
    );
  });
});
