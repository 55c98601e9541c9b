/** Token usage and cost per model call, for metrics and logs. */
import type { ActionName, AgentName, Usage } from "@synapse/core";

export interface UsageRecord {
  agent: AgentName;
  action: ActionName;
  /** The provider that answered, e.g. "anthropic" or "sim". */
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** US dollars, when the agent's prices are configured; undefined otherwise. */
  costUsd: number | undefined;
}

export interface Prices {
  /** US dollars per million input tokens; 0 means unknown. */
  inputPerMTok: number;
  /** US dollars per million output tokens; 0 means unknown. */
  outputPerMTok: number;
}

/** The cost of `usage` at `prices`, or undefined when no price is configured. */
export function costOf(usage: Usage, prices: Prices): number | undefined {
  if (prices.inputPerMTok === 0 && prices.outputPerMTok === 0) return undefined;
  return (usage.inputTokens * prices.inputPerMTok + usage.outputTokens * prices.outputPerMTok) / 1_000_000;
}
