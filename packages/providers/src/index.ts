export { abortError, isCallAborted, throwIfAborted, throwIfCallAborted, untilAborted } from "./abort.js";
export {
  AiSdkClient,
  type AiSdkClientOptions,
  API_VENDORS,
  type ApiVendor,
  createPooledFetch,
  DEFAULT_MODELS,
  type ErrorHints,
  mapAiSdkError,
  type PooledFetch,
  type PooledFetchOptions,
} from "./ai-sdk/index.js";
export { type ApiClientOptions, createApiClient } from "./api-client.js";
export {
  ChatCompletionsClient,
  type ChatCompletionsClientOptions,
  type ChatVendor,
} from "./chat-completions/index.js";
export {
  CLI_VENDORS,
  ClaudeEvents,
  CliClient,
  type CliClientOptions,
  type CliEvent,
  type CliEventReader,
  type CliVendor,
  COMMON_CLI_ENV,
  CodexEvents,
  cliEnvironment,
  GeminiEvents,
} from "./cli/index.js";
export { type CreateProviderOptions, createProvider } from "./factory.js";
export { codeForHttpStatus, MAX_RETRY_AFTER_MS, retryAfterMs, scrub } from "./http-errors.js";
export {
  collect,
  type LlmAnswer,
  type LlmClient,
  type LlmEvent,
  type LlmRequest,
  NO_USAGE,
  type StructuredOutput,
} from "./llm.js";
export {
  AUTO_VENDOR,
  createLlmClient,
  type LlmClientOptions,
  type LlmProviderName,
  type ResolvedProvider,
  resolveProvider,
} from "./llm-factory.js";
export {
  type Completion,
  type Continuation,
  complete,
  type Provider,
  type ProviderCall,
  type ProviderEvent,
} from "./provider.js";
export { countRevisionMarkers, failDirective, requestChangesDirective } from "./sim/directives.js";
export { findIssues } from "./sim/heuristics.js";
export { renderSim } from "./sim/render.js";
export { splitCommand } from "./sim/render-execute.js";
export { FAST_BATCH, SIM_MODEL, type SimOptions, SimProvider } from "./sim/sim-provider.js";
export { countTokens, countWords, tokenize } from "./sim/tokens.js";
