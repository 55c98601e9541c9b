/** Builds the provider an agent's configuration names. */
import { type AgentConfig, type Clock, PROVIDERS, SynapseError } from "@synapse/core";
import type { Provider } from "./provider.js";
import { SimProvider } from "./sim/sim-provider.js";

export interface CreateProviderOptions {
  /** Apply the configured sim faults (error rate, hang, drop, crash). Defaults to true. */
  faults?: boolean;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Defaults to Math.random. */
  random?: () => number;
  /** What a simulated crash does. Defaults to SIGKILL on this process. */
  crash?: () => void;
}

/**
 * The sim provider with the agent's settings (pace from `<agent>.sim.ttftMs` and
 * `tokensPerSecond`, faults from `<agent>.sim.*` when `options.faults` is not false). The real
 * providers answer through roles: see `createLlmClient` here and `createAgentProvider` in
 * @synapse/agents. Throws INVALID_ARGUMENT for any other name.
 */
export function createProvider(
  name: string,
  agentConfig: AgentConfig,
  options: CreateProviderOptions = {},
): Provider {
  switch (name) {
    case "sim": {
      const sim = agentConfig.sim;
      const faults = options.faults ?? true;
      return new SimProvider({
        ttftMs: sim.ttftMs,
        tokensPerSecond: sim.tokensPerSecond,
        ...(faults
          ? {
              errorRate: sim.errorRate,
              hangRate: sim.hangRate,
              dropAfterChunks: sim.dropAfterChunks,
              crashAfter: sim.crashAfter,
            }
          : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.random ? { random: options.random } : {}),
        ...(options.crash ? { crash: options.crash } : {}),
      });
    }
    default:
      throw new SynapseError(
        "INVALID_ARGUMENT",
        (PROVIDERS as readonly string[]).includes(name)
          ? `Provider "${name}" answers through the agents' roles; build it with createAgentProvider (@synapse/agents).`
          : `Unknown provider "${name}". Providers: ${PROVIDERS.join(", ")}.`,
      );
  }
}
