/**
 * The AI SDK language model for each vendor API, built once per client (per process), with our
 * pooled fetch. OpenAI is reached through Chat Completions, the wire format every
 * OpenAI-compatible server speaks too.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";

export const API_VENDORS = ["anthropic", "google", "openai", "openai-compatible"] as const;
export type ApiVendor = (typeof API_VENDORS)[number];

/** The model each vendor answers with when none is configured (openai-compatible has none: name one). */
export const DEFAULT_MODELS: Readonly<Record<Exclude<ApiVendor, "openai-compatible">, string>> = {
  anthropic: "claude-sonnet-4-5",
  google: "gemini-2.5-flash",
  openai: "gpt-4.1-mini",
};

export interface VendorModelOptions {
  vendor: ApiVendor;
  model: string;
  /** Absent for an openai-compatible server that needs no key. */
  apiKey: string | undefined;
  /** The API's base URL; undefined means the vendor's (required for openai-compatible). */
  baseUrl: string | undefined;
  fetch: typeof globalThis.fetch;
}

/** The provider-specific call options, built once: they are the same for every call. */
/** The SDK's language model interface, version 3 (what the v3 vendor packages build). */
export type ModelV3 = Extract<Exclude<LanguageModel, string>, { specificationVersion: "v3" }>;

export interface VendorModel {
  model: ModelV3;
  providerOptions: Record<string, Record<string, string | boolean>>;
}

// Structured outputs in OpenAI's strict mode need every property required; our result schemas
// have optional ones (a code answer's diff), so the schema is sent non-strict and validated here.
const NOT_STRICT = { strictJsonSchema: false };

export function createVendorModel(options: VendorModelOptions): VendorModel {
  const { model, apiKey, fetch } = options;
  const baseURL = options.baseUrl || undefined;
  switch (options.vendor) {
    case "anthropic":
      return { model: createAnthropic({ apiKey, baseURL, fetch })(model), providerOptions: {} };
    case "google":
      return { model: createGoogleGenerativeAI({ apiKey, baseURL, fetch })(model), providerOptions: {} };
    case "openai":
      return {
        model: createOpenAI({ apiKey, baseURL, fetch }).chat(model),
        providerOptions: { openai: NOT_STRICT },
      };
    case "openai-compatible": {
      const provider = createOpenAICompatible({
        name: "openaiCompatible",
        baseURL: baseURL ?? "",
        ...(apiKey ? { apiKey } : {}),
        fetch,
        includeUsage: true,
        // Ollama, vLLM and llama.cpp's server all accept a JSON schema as response_format.
        supportsStructuredOutputs: true,
      });
      return { model: provider.chatModel(model), providerOptions: { openaiCompatible: NOT_STRICT } };
    }
  }
}
