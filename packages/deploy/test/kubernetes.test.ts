import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AGENTS, type Config, GATEWAY_NODE_FLAGS, loadConfig, SETTINGS } from "@synapse/core";
import { parseAllDocuments } from "yaml";
import { requireBinary, run } from "./helpers/binaries.js";
import { parseDockerfile } from "./helpers/dockerfile.js";
import { type K8sObject, type PodSpec, portNumber } from "./helpers/k8s.js";
import { listRepoDir, readRepoFile, readYamlDocuments, repoPath } from "./helpers/repo.js";

const DIR = ["deploy", "k8s"];
const kustomization = readYamlDocuments(...DIR, "kustomization.yaml")[0] as {
  namespace: string;
  resources: string[];
  images: { name: string; newName: string; newTag: string }[];
};
const objects = kustomization.resources.flatMap((f) => readYamlDocuments(...DIR, f) as K8sObject[]);
const find = (kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found;
};
const settings = new Map(SETTINGS.map((s) => [s.setting.env, s.setting]));
const configMap = find("ConfigMap", "synapse-config").data ?? {};
const secret = find("Secret", "synapse-secrets").stringData ?? {};
/** The configuration every container loads (ConfigMap and Secret through envFrom). */
const shared: Config = loadConfig({ ...configMap, ...secret });

function podOf(name: string): {
  spec: PodSpec;
  annotations: Record<string, string>;
  labels: Record<string, string>;
} {
  const template = find("Deployment", name).spec?.template;
  assert.ok(template, `${name} has a pod template`);
  return {
    spec: template.spec,
    annotations: template.metadata.annotations ?? {},
    labels: template.metadata.labels,
  };
}

/** The environment a container sees: envFrom, then env with $(VAR) references expanded. */
function containerEnv(spec: PodSpec, namespace: string): Record<string, string> {
  const container = spec.containers[0];
  assert.ok(container);
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      assert.equal(from.configMapRef.name, "synapse-config");
      Object.assign(env, configMap);
    }
    if (from.secretRef) {
      assert.equal(from.secretRef.name, "synapse-secrets");
      Object.assign(env, secret);
    }
  }
  for (const entry of container.env ?? []) {
    if (entry.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[entry.name] = namespace;
    else
      env[entry.name] = (entry.value ?? "").replace(/\$\((\w+)\)/g, (_, v: string) => {
        assert.ok(env[v] !== undefined, `${entry.name} uses $(${v}) before it is defined`);
        return env[v] ?? "";
      });
  }
  return env;
}

function assertSettingsOnly(env: Record<string, string>, where: string, helpers: string[] = []): void {
  for (const name of Object.keys(env)) {
    if (helpers.includes(name)) continue;
    assert.ok(settings.has(name), `${where}: ${name} is not a setting`);
  }
}

describe("Kubernetes manifests (deploy/k8s)", () => {
  test("kustomization.yaml lists exactly the manifests of the folder", () => {
    const files = listRepoDir(...DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    assert.deepEqual([...kustomization.resources].sort(), files);
    assert.equal(find("Namespace", kustomization.namespace).kind, "Namespace");
  });

  test("ConfigMap and Secret hold only real settings; the Secret only secrets, as placeholders", () => {
    assertSettingsOnly(configMap, "ConfigMap");
    assertSettingsOnly(secret, "Secret");
    for (const [name, value] of Object.entries(secret)) {
      assert.equal(settings.get(name)?.secret, true, `${name} is a secret setting`);
      assert.equal(value, "", `${name} is a placeholder, not a value`);
    }
    for (const name of Object.keys(configMap))
      assert.equal(settings.get(name)?.secret, false, `${name} belongs in the Secret`);
    assert.equal(shared.host, "0.0.0.0", "containers listen on every interface");
  });

  for (const agent of AGENTS) {
    test(`synapse-${agent}: a Deployment and a headless Service on the configured ports, probed on /health`, () => {
      const name = `synapse-${agent}`;
      const { spec, annotations, labels } = podOf(name);
      const container = spec.containers[0];
      assert.ok(container);
      assert.deepEqual(container.args, ["service", agent]);
      const env = containerEnv(spec, kustomization.namespace);
      assertSettingsOnly(env, name);
      const config = loadConfig(env)[agent];
      const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      assert.deepEqual(ports, {
        grpc: config.grpcPort,
        jsonrpc: config.tcpPort,
        metrics: config.metricsPort,
      });
      for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
        assert.equal(probe?.httpGet?.path, "/health");
        assert.equal(portNumber(container, probe?.httpGet?.port), config.metricsPort);
      }
      assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory, "requests");
      assert.ok(container.resources?.limits?.cpu && container.resources.limits.memory, "limits");
      assert.deepEqual(annotations, {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": String(config.metricsPort),
        "prometheus.io/path": "/metrics",
      });
      const service = find("Service", name);
      assert.equal(service.spec?.clusterIP, "None", "headless: one A record per ready pod");
      for (const [key, value] of Object.entries(service.spec?.selector ?? {}))
        assert.equal(labels[key], value);
      const servicePorts = Object.fromEntries((service.spec?.ports ?? []).map((p) => [p.name, p.port]));
      assert.deepEqual(servicePorts, ports);
    });
  }

  test("the gateway: DNS discovery of each agent's headless Service, probes on /health/live and /health/ready", () => {
    const { spec, annotations } = podOf("synapse-gateway");
    const container = spec.containers[0];
    assert.ok(container);
    assert.deepEqual(container.args, ["gateway"]);
    const env = containerEnv(spec, "example-ns");
    assertSettingsOnly(env, "synapse-gateway", ["POD_NAMESPACE", "NODE_OPTIONS"]);
    // Started with the node options every deployment gives the gateway (the launcher, Compose, the bench).
    assert.equal(env.NODE_OPTIONS, GATEWAY_NODE_FLAGS.join(" "));
    const config = loadConfig(env);
    for (const agent of AGENTS) {
      assert.equal(config[agent].dns, `synapse-${agent}.example-ns.svc.cluster.local`);
      assert.equal(find("Service", `synapse-${agent}`).spec?.clusterIP, "None");
    }
    assert.equal(portNumber(container, "http"), config.gateway.port);
    assert.equal(container.livenessProbe?.httpGet?.path, "/health/live");
    assert.equal(container.startupProbe?.httpGet?.path, "/health/live");
    assert.equal(container.readinessProbe?.httpGet?.path, "/health/ready");
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      assert.equal(portNumber(container, probe?.httpGet?.port), config.gateway.port);
    }
    assert.ok(container.resources?.requests?.cpu && container.resources.limits?.memory);
    assert.equal(annotations["prometheus.io/port"], String(config.gateway.port));
    assert.equal(
      find("Deployment", "synapse-gateway").spec?.replicas,
      undefined,
      "the HPA sets the replicas",
    );
    const service = find("Service", "synapse-gateway");
    assert.notEqual(service.spec?.clusterIP, "None");
    assert.equal(service.spec?.ports?.[0]?.port, config.gateway.port);
  });

  test("an HPA scales the gateway; disruption budgets cover every role", () => {
    const hpa = find("HorizontalPodAutoscaler", "synapse-gateway");
    assert.equal(hpa.apiVersion, "autoscaling/v2");
    assert.deepEqual(hpa.spec?.scaleTargetRef, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "synapse-gateway",
    });
    assert.ok(
      (hpa.spec?.minReplicas ?? 0) >= 2 && (hpa.spec?.maxReplicas ?? 0) > (hpa.spec?.minReplicas ?? 0),
    );
    for (const role of [...AGENTS, "gateway"]) {
      const pdb = find("PodDisruptionBudget", `synapse-${role}`);
      const { labels } = podOf(`synapse-${role}`);
      for (const [key, value] of Object.entries(pdb.spec?.selector?.matchLabels ?? {}))
        assert.equal(labels[key], value);
    }
  });

  test("every pod runs the image as the image's non-root user, read-only but for a writable data directory", () => {
    const dockerUser = parseDockerfile(readRepoFile("Dockerfile"))
      .stages.at(-1)
      ?.instructions.filter((i) => i.keyword === "USER")
      .at(-1)?.args;
    const image = kustomization.images[0];
    assert.ok(image);
    for (const name of [...AGENTS.map((a) => `synapse-${a}`), "synapse-gateway"]) {
      const { spec } = podOf(name);
      assert.equal(spec.securityContext?.runAsNonRoot, true);
      assert.equal(`${spec.securityContext?.runAsUser}:${spec.securityContext?.runAsGroup}`, dockerUser);
      const container = spec.containers[0];
      assert.equal(container?.image, image.name, `${name} uses the image kustomization.yaml names`);
      assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(container?.securityContext?.allowPrivilegeEscalation, false);
      const mounts = (container?.volumeMounts ?? []).map((m) => m.mountPath);
      assert.ok(mounts.includes(shared.dataDir), `${name} mounts a writable ${shared.dataDir}`);
    }
  });

  test("kustomize renders it into one namespace with the image set", () => {
    const kubectl = requireBinary("kubectl", "kubernetes-client");
    const rendered = run(kubectl, ["kustomize", repoPath(...DIR)]);
    assert.equal(rendered.status, 0, rendered.stderr);
    const docs = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as K8sObject);
    assert.equal(docs.length, objects.length);
    for (const doc of docs.filter((d) => d.kind !== "Namespace")) {
      assert.equal(doc.metadata.namespace, kustomization.namespace, `${doc.kind} ${doc.metadata.name}`);
    }
    const image = kustomization.images[0];
    for (const doc of docs.filter((d) => d.kind === "Deployment")) {
      assert.equal(doc.spec?.template?.spec.containers[0]?.image, `${image?.newName}:${image?.newTag}`);
    }
  });
});
