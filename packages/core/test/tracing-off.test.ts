import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "../src/config.js";
import { NO_TRACING, otlpTracesUrl, startTracing } from "../src/tracing.js";

const MAIN = new URL("./fixtures/start-tracing-main.js", import.meta.url).pathname;

function run(endpoint: string) {
  return spawnSync(process.execPath, [MAIN, endpoint], { encoding: "utf8", timeout: 20_000 });
}

describe("tracing is off by default and costs nothing then", () => {
  test("no endpoint: NO_TRACING, and no OpenTelemetry module is loaded", async () => {
    assert.equal(await startTracing({ endpoint: "  ", serviceName: "s" }), NO_TRACING);
    const off = run("");
    assert.equal(off.status, 0, off.stderr);
    assert.equal(off.stdout, "false");
  });

  test("an endpoint loads the SDK (so the check above can fail)", () => {
    const on = run("http://127.0.0.1:9/");
    assert.notEqual(on.status, 0);
    assert.match(on.stderr, /loaded @opentelemetry\//);
  });

  test("the endpoint setting: empty by default, an http(s) URL when set", () => {
    assert.equal(loadConfig({}).tracing.otlpEndpoint, "");
    const on = loadConfig({ SYNAPSE_OTLP_ENDPOINT: "http://otel-collector:4318" });
    assert.equal(on.tracing.otlpEndpoint, "http://otel-collector:4318");
    assert.throws(
      () => loadConfig({ SYNAPSE_OTLP_ENDPOINT: "otel-collector:4318" }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /SYNAPSE_OTLP_ENDPOINT = "otel-collector:4318": expected an http\(s\) URL/);
        return true;
      },
    );
  });

  test("the traces URL: /v1/traces added to a base URL, kept when given", () => {
    assert.equal(otlpTracesUrl("http://c:4318"), "http://c:4318/v1/traces");
    assert.equal(otlpTracesUrl("http://c:4318/"), "http://c:4318/v1/traces");
    assert.equal(otlpTracesUrl("https://c/otlp/v1/traces"), "https://c/otlp/v1/traces");
  });
});
