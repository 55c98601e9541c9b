/**
 * The .proto sources server reflection describes. Reflection needs descriptors, which ts-proto's
 * generated code does not carry, so the repository's `proto/` is loaded with proto-loader.
 *
 * Where `proto/` is found: the first directory holding `synapse/v1/agent.proto` among
 *   1. `options.protoDir` when given (an explicit path, e.g. in an unusual image layout);
 *   2. `proto/` in this file's directory or any directory above it — this covers the source
 *      tree (packages/transport/src/grpc → repo root), the compiled one
 *      (packages/transport/dist/src/grpc → repo root) and a Docker image that copies the
 *      repository's `proto/` next to (or above) `packages/`, as our Dockerfile should.
 * The health service's proto ships inside grpc-health-check and is found through its `protoPath`.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";

export const AGENT_PROTO = "synapse/v1/agent.proto";
const HEALTH_PROTO = "health/v1/health.proto";

/** The directory holding `synapse/v1/agent.proto`, or undefined when none is found. */
export function findProtoDir(explicit?: string): string | undefined {
  if (explicit !== undefined) return existsSync(join(explicit, AGENT_PROTO)) ? resolve(explicit) : undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "proto");
    if (existsSync(join(candidate, AGENT_PROTO))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const cache = new Map<string, PackageDefinition>();

/**
 * The package definition of synapse.v1.AgentService and grpc.health.v1.Health (with
 * google/protobuf/struct.proto, which protobufjs bundles), loaded once per directory.
 */
export function loadReflectionPackage(protoDir: string): PackageDefinition {
  let definition = cache.get(protoDir);
  if (definition === undefined) {
    // health.proto lives at <root>/health/v1/health.proto inside grpc-health-check.
    const healthRoot = resolve(dirname(healthProtoPath), "../..");
    definition = loadSync([AGENT_PROTO, HEALTH_PROTO], {
      includeDirs: [protoDir, healthRoot],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    cache.set(protoDir, definition);
  }
  return definition;
}
