import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { loadConfig, replicaPorts } from "@synapse/core";
import type { RunningGateway } from "@synapse/gateway";
import { repoPath } from "./helpers/repo.js";
import { TestSystem } from "./helpers/system.js";

const SCRIPT = repoPath("deploy", "docker", "healthcheck.mjs");

interface HealthcheckModule {
  roleArgs(argv: string[]): string[];
  healthUrls(args: string[], config: unknown, ports: typeof replicaPorts): string[];
}

/** A port nothing listens on (bound once by the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs the healthcheck as the image does, with only `env` as its environment. */
function runHealthcheck(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

/** Polls a gateway's /health/ready until it answers `status` (at most 10 s). */
async function readyAnswers(port: number, status: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`/health/ready never answered ${status}`);
}

describe("the image's healthcheck script", () => {
  test("reads the role from PID 1's command line and finds the ports in the configuration", async () => {
    const hc = (await import(pathToFileURL(SCRIPT).href)) as HealthcheckModule;
    const pid1 = ["/usr/bin/tini", "--", "node", "/app/packages/cli/bin/synapse.js", "service", "gemini"];
    assert.deepEqual(hc.roleArgs(pid1), ["service", "gemini"]);
    assert.deepEqual(hc.roleArgs(["node", "/app/node_modules/.bin/synapse", "gateway"]), ["gateway"]);
    const config = loadConfig({
      SYNAPSE_HOST: "0.0.0.0",
      SYNAPSE_CODEX_REPLICAS: "2",
      SYNAPSE_GATEWAY_PORT: "8100",
    });
    const urls = (args: string[]) => hc.healthUrls(args, config, replicaPorts);
    assert.deepEqual(urls(["service", "gemini"]), ["http://127.0.0.1:9012/health"]);
    const replica1 = replicaPorts({ grpc: 5011, tcp: 5001, metrics: 9011 }, 1).metrics;
    assert.deepEqual(urls(["service", "claude", "--replica", "1"]), [`http://127.0.0.1:${replica1}/health`]);
    assert.equal(urls(["services"]).length, 4, "claude, gemini and two codex replicas");
    assert.deepEqual(urls(["gateway"]), ["http://127.0.0.1:8100/health/ready"]);
    assert.deepEqual(urls([]), urls(["up"]), "the image's default command is up");
    assert.deepEqual(urls(["config"]), []);
    const bound = loadConfig({ SYNAPSE_HOST: "10.1.2.3" });
    assert.deepEqual(hc.healthUrls(["gateway"], bound, replicaPorts), ["http://10.1.2.3:8000/health/ready"]);
  });

  describe("against running processes", () => {
    const system = new TestSystem();
    let gateway: RunningGateway;
    let notReady: RunningGateway;

    before(async () => {
      await Promise.all([
        system.startService("claude"),
        system.startService("gemini"),
        system.startService("codex"),
      ]);
      gateway = await system.startGateway({ SYNAPSE_HEALTH_INTERVAL_MS: "200" });
      notReady = await system.startGateway({
        SYNAPSE_CODEX_ENDPOINTS: "127.0.0.1:9:9",
        SYNAPSE_HEALTH_INTERVAL_MS: "200",
      });
      // The gateway is ready once its health checks have seen every agent.
      await readyAnswers(gateway.port, 200);
      // …and the other one is not once its checks have found codex missing.
      await readyAnswers(notReady.port, 503);
    });

    after(() => system.stop());

    test("healthy roles exit 0; a dead port or an unready gateway exit 1 with the reason", async () => {
      const claude = system.services.find((s) => s.agent === "claude");
      assert.ok(claude);
      const serviceOk = await runHealthcheck(["service", "claude"], {
        SYNAPSE_CLAUDE_METRICS_PORT: String(claude.ports.metrics),
      });
      assert.equal(serviceOk.code, 0, serviceOk.stderr);
      const gatewayOk = await runHealthcheck(["gateway"], { SYNAPSE_GATEWAY_PORT: String(gateway.port) });
      assert.equal(gatewayOk.code, 0, gatewayOk.stderr);

      const port = await closedPort();
      const dead = await runHealthcheck(["service", "claude"], { SYNAPSE_CLAUDE_METRICS_PORT: String(port) });
      assert.equal(dead.code, 1);
      assert.equal(dead.stderr, `unhealthy: http://127.0.0.1:${port}/health: ECONNREFUSED\n`);
      const unready = await runHealthcheck(["gateway"], { SYNAPSE_GATEWAY_PORT: String(notReady.port) });
      assert.equal(unready.code, 1);
      assert.match(unready.stderr, /health\/ready answered 503/);
      const badConfig = await runHealthcheck(["gateway"], { SYNAPSE_GATEWAY_PORT: "not-a-port" });
      assert.equal(badConfig.code, 1);
    });
  });
});
