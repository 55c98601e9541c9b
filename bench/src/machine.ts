/** The machine and software a run measured: CPU, cores, memory, kernel, Node and package versions. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../../..", import.meta.url).pathname;

export function machineInfo(): Record<string, string | number> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
  };
}

/** Installed version of each package (read from node_modules, whatever its exports allow). */
export function packageVersions(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    try {
      const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"));
      out[name] = String(pkg.version);
    } catch {
      out[name] = "not installed";
    }
  }
  try {
    out.synapse = String(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  } catch {
    out.synapse = "unknown";
  }
  return out;
}

export const MEASURED_PACKAGES = [
  "fastify",
  "@grpc/grpc-js",
  "ai",
  "@ai-sdk/openai-compatible",
  "undici",
  "autocannon",
  "@portkey-ai/gateway",
] as const;

/** The 1-minute load average. */
export function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/** The repository root (where BENCHMARKS.md and bench/results live). */
export const REPO_ROOT = ROOT;
