import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { AGENTS, GATEWAY_NODE_FLAGS, loadConfig, SETTINGS } from "@synapse/core";
import { parse } from "yaml";
import { requireBinary, run } from "./helpers/binaries.js";
import { envPairs, parseDockerfile } from "./helpers/dockerfile.js";
import { REPO, readRepoFile, readYamlDocuments, repoFileExists, repoPath } from "./helpers/repo.js";

interface ComposeService {
  image?: string;
  build?: { context: string };
  command?: string[];
  environment?: Record<string, string | null>;
  expose?: string[];
  ports?: { published: number | string; target: number }[];
  volumes?: string[];
  profiles?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
}

const settingEnvs = new Set(SETTINGS.map((s) => s.setting.env));
/** The image's own ENV (Dockerfile), under every synapse container's environment. */
const imageEnv = Object.fromEntries(
  parseDockerfile(readRepoFile("Dockerfile"))
    .stages.at(-1)
    ?.instructions.filter((i) => i.keyword === "ENV")
    .flatMap((i) => envPairs(i.args)) ?? [],
);

describe("docker-compose.yml", () => {
  let services: Record<string, ComposeService>;

  before(() => {
    const compose = requireBinary("docker-compose", "docker-compose");
    // A clean environment, so variables of the machine running the tests are not interpolated.
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
    const quiet = run(compose, ["-f", "docker-compose.yml", "config", "-q"], { cwd: REPO, env });
    assert.equal(quiet.status, 0, `docker-compose config -q: ${quiet.stderr}`);
    const full = run(compose, ["-f", "docker-compose.yml", "config"], { cwd: REPO, env });
    assert.equal(full.status, 0, full.stderr);
    services = (parse(full.stdout) as { services: Record<string, ComposeService> }).services;
  });

  test("docker-compose accepts it, with every service of the system", () => {
    assert.deepEqual(Object.keys(services).sort(), [
      "grafana",
      "postgres",
      "prometheus",
      "redis",
      "synapse-claude",
      "synapse-codex",
      "synapse-gateway",
      "synapse-gemini",
    ]);
    for (const name of ["redis", "postgres"]) assert.deepEqual(services[name]?.profiles, ["shared"], name);
    for (const name of ["synapse-gateway", "prometheus", "grafana", ...AGENTS.map((a) => `synapse-${a}`)]) {
      assert.equal(services[name]?.profiles, undefined, `${name} starts by default`);
    }
  });

  test("agent services scale: no container name, no host ports, their config ports exposed", () => {
    for (const agent of AGENTS) {
      const service = services[`synapse-${agent}`] as ComposeService;
      assert.deepEqual(service.command, ["service", agent]);
      assert.equal(service.container_name, undefined);
      assert.equal(service.ports, undefined, `synapse-${agent} publishes no host port`);
      const config = loadConfig({ ...imageEnv, ...definedEnv(service) })[agent];
      assert.deepEqual(
        (service.expose ?? []).map(Number).sort(),
        [config.grpcPort, config.tcpPort, config.metricsPort].sort(),
      );
      assert.equal(service.build?.context, REPO, "built from the repository's Dockerfile");
    }
  });

  test("the gateway publishes its port and finds every agent's replicas by the service's DNS name", () => {
    const gateway = services["synapse-gateway"] as ComposeService;
    assert.deepEqual(gateway.command, ["gateway"]);
    const config = loadConfig({ ...imageEnv, ...definedEnv(gateway) });
    assert.deepEqual(gateway.ports, [{ published: 8000, target: config.gateway.port }]);
    for (const agent of AGENTS) {
      assert.equal(config[agent].dns, `synapse-${agent}`);
      assert.ok(services[config[agent].dns], `a service named ${config[agent].dns}`);
      assert.equal(gateway.depends_on?.[`synapse-${agent}`]?.condition, "service_healthy");
    }
    assert.deepEqual(services.prometheus?.ports, [{ published: 9090, target: 9090 }]);
    assert.deepEqual(services.grafana?.ports, [{ published: 3000, target: 3000 }]);
  });

  test("every environment variable of a synapse container is a real setting, with a valid value", () => {
    for (const [name, service] of Object.entries(services)) {
      const env = service.environment ?? {};
      for (const key of Object.keys(env).filter((k) => k.startsWith("SYNAPSE_"))) {
        assert.ok(settingEnvs.has(key), `${name}: ${key} is not a setting`);
      }
      if (!name.startsWith("synapse-")) continue;
      // The gateway's node options are the one other variable (GATEWAY_NODE_FLAGS), and they are the same.
      const nodeOptions = name === "synapse-gateway" ? GATEWAY_NODE_FLAGS.join(" ") : undefined;
      assert.equal(env.NODE_OPTIONS ?? undefined, nodeOptions, `${name}: NODE_OPTIONS`);
      for (const key of Object.keys(env).filter((k) => k !== "NODE_OPTIONS"))
        assert.ok(settingEnvs.has(key), `${name}: ${key} is not a setting`);
      assert.doesNotThrow(() => loadConfig({ ...imageEnv, ...definedEnv(service) }), name);
    }
  });

  test("Prometheus and Grafana mount the monitoring files, which exist", () => {
    const mounts = (name: string) =>
      (services[name]?.volumes ?? []).map((v) => v.split(":")).filter(([source]) => source?.startsWith("/"));
    for (const [source, target] of mounts("prometheus")) {
      assert.ok(source?.startsWith(repoPath("monitoring")), `${source} is under monitoring/`);
      assert.ok(repoFileExists(source?.slice(REPO.length + 1) ?? ""), `${source} exists`);
      assert.ok(target?.startsWith("/etc/prometheus/"));
    }
    assert.deepEqual(
      mounts("prometheus").map(([, target]) => target),
      ["/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml"],
    );
    const grafana = Object.fromEntries(mounts("grafana").map(([source, target]) => [target, source]));
    assert.equal(grafana["/etc/grafana/provisioning"], repoPath("monitoring", "grafana", "provisioning"));
    const [provider] = readYamlDocuments(
      "monitoring",
      "grafana",
      "provisioning",
      "dashboards",
      "synapse.yml",
    ) as [{ providers: { options: { path: string } }[] }];
    const dashboards = provider.providers[0]?.options.path ?? "";
    assert.equal(
      grafana[dashboards],
      repoPath("monitoring", "grafana", "dashboards"),
      "provider path is mounted",
    );
  });
});

/** Variables with a value (docker-compose writes unset ones as null or ""; "" means unset to Synapse too). */
function definedEnv(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}
