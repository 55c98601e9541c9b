/**
 * The LLM client for a vendor API: the lean Chat Completions client for OpenAI and
 * OpenAI-compatible servers, the AI SDK for Anthropic and Google (see chat-completions-client.ts
 * for why the split).
 */
import { AiSdkClient, type AiSdkClientOptions } from "./ai-sdk/ai-sdk-client.js";
import { ChatCompletionsClient } from "./chat-completions/chat-completions-client.js";
import type { LlmClient } from "./llm.js";

/** A vendor, model, key, base URL, error hints and optionally a shared pool and a clock. */
export type ApiClientOptions = AiSdkClientOptions;

export function createApiClient(options: ApiClientOptions): LlmClient {
  const { vendor } = options;
  if (vendor === "openai" || vendor === "openai-compatible")
    return new ChatCompletionsClient({ ...options, vendor });
  return new AiSdkClient(options);
}
