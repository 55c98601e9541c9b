/**
 * A plain round-robin `PickEndpoint` over each agent's endpoints, skipping excluded ones: what
 * ResilientClient uses when no balancer is given. The gateway's balancer (weighted, least
 * connections, …) replaces it through the same hook.
 */
import type { AgentName } from "@synapse/core";
import type { PickEndpoint } from "./retry-interceptor.js";

export function roundRobinPicker(endpoints: Partial<Record<AgentName, readonly string[]>>): PickEndpoint {
  const cursor = new Map<AgentName, number>();
  return (call, exclude) => {
    const agent = call.request.agent;
    const list = endpoints[agent] ?? [];
    if (list.length === 0) return undefined;
    const start = cursor.get(agent) ?? 0;
    // First choice: the next endpoint in turn that is not excluded; when all are, the next in turn.
    for (let i = 0; i < list.length; i++) {
      const index = (start + i) % list.length;
      const endpoint = list[index];
      if (endpoint !== undefined && !exclude.has(endpoint)) {
        cursor.set(agent, index + 1);
        return endpoint;
      }
    }
    cursor.set(agent, start + 1);
    return list[start % list.length];
  };
}
