/**
 * Which provider answers an agent (`auto` resolved against the keys that are set) and the LLM
 * client for a real provider, built once per process from the agent's settings.
 */
import { type AgentName, type Clock, type Config, type ProviderName, SynapseError } from "@synapse/core";
import type { PooledFetch } from "./ai-sdk/pooled-fetch.js";
import { type ApiVendor, DEFAULT_MODELS } from "./ai-sdk/vendor-models.js";
import { createApiClient } from "./api-client.js";
import { CliClient } from "./cli/cli-client.js";
import { CLI_VENDORS } from "./cli/cli-vendors.js";
import type { LlmClient } from "./llm.js";

type Env = Readonly<Record<string, string | undefined>>;

/** A provider other than `auto`. */
export type ResolvedProvider = Exclude<ProviderName, "auto">;
/** A provider answered by an LLM client (everything but sim). */
export type LlmProviderName = Exclude<ResolvedProvider, "sim">;

/** The vendor API `auto` uses for each agent. */
export const AUTO_VENDOR: Readonly<Record<AgentName, Exclude<ApiVendor, "openai-compatible">>> = {
  claude: "anthropic",
  gemini: "google",
  codex: "openai",
};

const VENDOR_NAMES: Record<ApiVendor, string> = {
  anthropic: "Anthropic",
  google: "Google",
  openai: "OpenAI",
  "openai-compatible": "The OpenAI-compatible server",
};

/** The key for `vendor` and the variable it came from (the agent's apiKeyEnv wins when set). */
function keyFor(
  vendor: ApiVendor,
  agent: AgentName,
  config: Config,
  env: Env,
): { key: string; from: string } {
  const named = config[agent].apiKeyEnv;
  if (named) return { key: env[named] ?? "", from: named };
  switch (vendor) {
    case "anthropic":
      return { key: config.keys.anthropic, from: "ANTHROPIC_API_KEY" };
    case "google":
      return config.keys.gemini || !config.keys.google
        ? { key: config.keys.gemini, from: "GEMINI_API_KEY" }
        : { key: config.keys.google, from: "GOOGLE_API_KEY" };
    case "openai":
      return { key: config.keys.openai, from: "OPENAI_API_KEY" };
    case "openai-compatible":
      // Never another vendor's key: it would go to whatever server the base URL names.
      return { key: "", from: "" };
  }
}

/**
 * The provider that answers `agent`: its configured one, or for `auto` its vendor API when that
 * key is set and sim otherwise, with the reason (for the start-up log).
 */
export function resolveProvider(
  agent: AgentName,
  config: Config,
  env: Env = process.env,
): { name: ResolvedProvider; reason: string } {
  const configured = config[agent].provider;
  if (configured !== "auto")
    return { name: configured, reason: `configured (SYNAPSE_${agent.toUpperCase()}_PROVIDER)` };
  const vendor = AUTO_VENDOR[agent];
  const { key, from } = keyFor(vendor, agent, config, env);
  return key
    ? { name: vendor, reason: `auto: ${from} is set` }
    : { name: "sim", reason: `auto: ${from} is not set` };
}

export interface LlmClientOptions {
  /** Where apiKeyEnv and the CLIs' variables are read. Defaults to process.env. */
  env?: Env;
  /** A connection pool shared by API clients; each makes its own when absent. */
  pool?: PooledFetch;
  clock?: Clock;
}

/**
 * The LLM client for `name` with `agent`'s settings. Throws FAILED_PRECONDITION when a setting it
 * needs is missing (a vendor key, an openai-compatible base URL or model), naming the setting.
 */
export function createLlmClient(
  name: LlmProviderName,
  agent: AgentName,
  config: Config,
  options: LlmClientOptions = {},
): LlmClient {
  const env = options.env ?? process.env;
  const settings = config[agent];
  const A = `SYNAPSE_${agent.toUpperCase()}`;
  const secrets = Object.values(config.keys).filter(Boolean);
  const clock = options.clock ? { clock: options.clock } : {};
  if (name === "cli") {
    const { keys } = config;
    const vendorEnv: Record<AgentName, Record<string, string>> = {
      claude: { ANTHROPIC_API_KEY: keys.anthropic },
      gemini: { GEMINI_API_KEY: keys.gemini, GOOGLE_API_KEY: keys.google },
      codex: { OPENAI_API_KEY: keys.openai },
    };
    return new CliClient({
      vendor: CLI_VENDORS[agent],
      path: settings.cliPath,
      model: settings.model,
      env,
      vendorEnv: vendorEnv[agent],
      timeoutMs: settings.cliTimeoutMs,
      pathEnv: `${A}_CLI_PATH`,
      timeoutEnv: `${A}_CLI_TIMEOUT_MS`,
      secrets,
      ...clock,
    });
  }
  const { key, from } = keyFor(name, agent, config, env);
  const missing = (what: string) =>
    new SynapseError(
      "FAILED_PRECONDITION",
      `${agent} uses provider ${name}, but ${what}; set it, or choose another provider with ${A}_PROVIDER.`,
    );
  if (name !== "openai-compatible" && !key) throw missing(`${from} is not set`);
  if (name === "openai-compatible") {
    if (!settings.baseUrl)
      throw missing(`${A}_BASE_URL (the server's URL, e.g. http://127.0.0.1:11434/v1) is not set`);
    if (!settings.model) throw missing(`${A}_MODEL (the model the server should run) is not set`);
  }
  if (settings.apiKeyEnv && !key)
    throw missing(`${settings.apiKeyEnv} (named by ${A}_API_KEY_ENV) is not set`);
  return createApiClient({
    vendor: name,
    model: settings.model || (name === "openai-compatible" ? settings.model : DEFAULT_MODELS[name]),
    ...(key ? { apiKey: key } : {}),
    baseUrl: settings.baseUrl,
    hints: {
      vendor: VENDOR_NAMES[name],
      keyEnv: from || undefined,
      modelEnv: `${A}_MODEL`,
      baseUrlEnv: `${A}_BASE_URL`,
      secrets: key ? [...secrets, key] : secrets,
    },
    ...(options.pool ? { pool: options.pool } : {}),
    ...clock,
  });
}
