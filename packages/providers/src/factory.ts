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
 * The provider `name` with the agent's settings. Today that is `sim` (pace from `<agent>.sim.ttftMs`
 * and `tokensPerSecond`, faults from `<agent>.sim.*` when `options.faults` is not false).
 * Throws INVALID_ARGUMENT for a provider this build does not know.
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
        `Unknown provider "${name}". Providers: ${PROVIDERS.join(", ")}.`,
      );
  }
}
