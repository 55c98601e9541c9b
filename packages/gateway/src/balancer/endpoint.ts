/**
 * A replica the balancer can send calls to. Endpoints are identified by `id` (e.g. "claude#1" for a
 * configured replica, "10.0.0.7:5011" for one found by DNS); every piece of balancer state — load,
 * latency, health, ejection — is keyed by it, so an endpoint that stays across updates keeps its state.
 */
import { REPLICA_PORT_STEP, SynapseError } from "@synapse/core";

export interface Endpoint {
  /** Unique within one agent's pool. */
  readonly id: string;
  /** Address to dial (host name or IP). */
  readonly host: string;
  /** Port to dial: the transport port the gateway uses for this agent. */
  readonly port: number;
  /** Relative share for the weighted strategies; a non-negative number. Defaults to 1. */
  readonly weight?: number;
}

/** The weight of an endpoint, 1 when unset. */
export function weightOf(endpoint: Endpoint): number {
  return endpoint.weight ?? 1;
}

/**
 * Checks an endpoint list at the edge (configuration or discovery) and returns a frozen copy.
 * Throws INVALID_ARGUMENT naming the offending entry when an id is empty or repeated, a host is
 * empty, a port is not an integer in 1–65535, or a weight is negative or not finite.
 */
export function validateEndpoints(endpoints: readonly Endpoint[], pool = "the pool"): readonly Endpoint[] {
  const seen = new Set<string>();
  const out: Endpoint[] = [];
  for (const [i, e] of endpoints.entries()) {
    const where = `endpoint ${i + 1} of ${pool}`;
    if (typeof e.id !== "string" || e.id === "") invalid(`${where} has no id; give every replica an id.`);
    if (seen.has(e.id)) invalid(`${where} repeats the id "${e.id}"; endpoint ids must be unique.`);
    seen.add(e.id);
    if (typeof e.host !== "string" || e.host === "") invalid(`${where} ("${e.id}") has no host.`);
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65_535) {
      invalid(`${where} ("${e.id}") has port ${String(e.port)}; use an integer from 1 to 65535.`);
    }
    if (e.weight !== undefined && !(Number.isFinite(e.weight) && e.weight >= 0)) {
      invalid(`${where} ("${e.id}") has weight ${String(e.weight)}; use a number ≥ 0.`);
    }
    out.push(Object.freeze({ ...e }));
  }
  return Object.freeze(out);
}

function invalid(message: string): never {
  throw new SynapseError("INVALID_ARGUMENT", `Invalid replica list: ${message}`);
}

/**
 * The static endpoints of an agent's locally launched replicas: replica i is `${agent}#${i}` on
 * `host`, port `basePort + 100·i` (the port rule in core/ports.ts).
 */
export function replicaEndpoints(
  agent: string,
  host: string,
  basePort: number,
  replicas: number,
): Endpoint[] {
  return Array.from({ length: replicas }, (_, i) => ({
    id: `${agent}#${i}`,
    host,
    port: basePort + REPLICA_PORT_STEP * i,
  }));
}
