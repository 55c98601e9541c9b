/**
 * The agent namespace on the JSON-RPC wire (DESIGN.md, "Wire contracts"): method names and the
 * shapes both the server and the client rely on.
 */
import type { StreamFinal } from "@synapse/core";

export const JSONRPC_METHODS = {
  /** params: {agent, action, input, requestId?, streamId?, continuation?, timeoutMs?, metadata?} → AgentResponse */
  invoke: "agent.invoke",
  /** Same params as invoke; `agent.chunk` notifications, then the final event (StreamFinalResult). */
  stream: "agent.stream",
  /** params: {streamId, afterSeq, timeoutMs?, metadata?}; answered like agent.stream. */
  resume: "agent.resume",
  /** → ServiceDescription */
  describe: "agent.describe",
  /** → {status: "SERVING" | "NOT_SERVING"} */
  health: "health.check",
  /** Server → client notification carrying one chunk: ChunkParams. */
  chunk: "agent.chunk",
} as const;

/** Longest timeoutMs accepted: what a timer can hold (2^31 − 1 ms, about 24.8 days); longer would fire at once. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** The params of an `agent.chunk` notification; `id` is the id of the request streaming. */
export interface ChunkParams {
  id: string | number | null;
  streamId: string;
  seq: number;
  text: string;
}

/** The result of agent.stream and agent.resume: the final event without its `type`. */
export type StreamFinalResult = Omit<StreamFinal, "type">;
