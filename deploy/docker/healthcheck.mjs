#!/usr/bin/env node
// The image's HEALTHCHECK: asks the role this container runs for its health and exits 0 (healthy)
// or 1 (not). The role is read from PID 1's command line (`tini -- node …/synapse.js service
// claude`), or given as arguments (`healthcheck.mjs service claude --replica 1`). Ports come from
// the same configuration the process loaded (SYNAPSE_* variables, SYNAPSE_CONFIG), so a moved port
// is followed. A service answers GET /health on its metrics port; the gateway (alone or under
// `up`) answers GET /health/ready. Commands that serve nothing (call, config) are always healthy.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** The synapse arguments of a command line: what follows `…/synapse.js` (or `synapse`). */
export function roleArgs(argv) {
  const at = argv.findIndex((a) => a.endsWith("/synapse.js") || a === "synapse" || a.endsWith("/synapse"));
  return at < 0 ? [] : argv.slice(at + 1);
}

/**
 * The URLs that must answer 2xx for `args` to be healthy, from a loaded configuration and the
 * port of replica i (`replicaPorts` of @synapse/core).
 */
export function healthUrls(args, config, replicaPorts) {
  const host = ["0.0.0.0", "::", ""].includes(config.host) ? "127.0.0.1" : config.host;
  const serviceUrl = (agent, replica) => {
    const c = config[agent];
    const ports = replicaPorts({ grpc: c.grpcPort, tcp: c.tcpPort, metrics: c.metricsPort }, replica);
    return `http://${host}:${ports.metrics}/health`;
  };
  const command = args[0] ?? "up";
  if (command === "service") {
    const flag = args.indexOf("--replica");
    const replica = flag >= 0 ? Number(args[flag + 1] ?? 0) : 0;
    return [serviceUrl(args[1] ?? "", replica)];
  }
  if (command === "services") {
    return ["claude", "gemini", "codex"].flatMap((agent) =>
      Array.from({ length: config[agent].replicas }, (_, i) => serviceUrl(agent, i)),
    );
  }
  if (command === "gateway" || command === "up") {
    return [`http://${host}:${config.gateway.port}/health/ready`];
  }
  return [];
}

async function main() {
  const args =
    process.argv.length > 2
      ? process.argv.slice(2)
      : roleArgs(readFileSync("/proc/1/cmdline", "utf8").split("\0").filter(Boolean));
  const { loadConfig, replicaPorts } = await import("@synapse/core");
  const urls = healthUrls(args, loadConfig(process.env), replicaPorts);
  for (const url of urls) {
    let response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(4000) });
    } catch (err) {
      throw new Error(`${url}: ${err?.cause?.code ?? err?.cause?.message ?? err?.message ?? "no answer"}`);
    }
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(`unhealthy: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
