/**
 * An LlmClient on a vendor API through the AI SDK: `streamText` for streams, `generateText` for
 * whole answers, the SDK's own retries off (retries belong to our resilience layer), the
 * model and its options built once, and every failure mapped to a SynapseError.
 */
import { type Clock, SynapseError, systemClock, type Usage } from "@synapse/core";
import { generateText, type LanguageModelUsage, type OutputInterface, streamText } from "ai";
import { throwIfAborted } from "../abort.js";
import type { LlmAnswer, LlmClient, LlmEvent, LlmRequest, StructuredOutput } from "../llm.js";
import { jsonTextOutput } from "./json-text-output.js";
import { type ErrorHints, mapAiSdkError } from "./map-error.js";
import { createPooledFetch, type PooledFetch } from "./pooled-fetch.js";
import { type ApiVendor, createVendorModel, type VendorModel } from "./vendor-models.js";

export interface AiSdkClientOptions {
  vendor: ApiVendor;
  /** The model's name at the vendor. */
  model: string;
  /** Absent for an openai-compatible server that needs none. */
  apiKey?: string;
  /** The API's base URL; empty or absent means the vendor's (required for openai-compatible). */
  baseUrl?: string;
  /** What error messages may name. */
  hints: ErrorHints;
  /** A shared connection pool; when absent the client makes one and closes it in `close`. */
  pool?: PooledFetch;
  /** Dates Retry-After headers. Defaults to the system clock. */
  clock?: Clock;
}

// The SDK reports stream errors through the stream (handled below) and by default also logs
// them to the console; errors are ours to report.
const quiet = () => {};

// The SDK prints its warnings (settings a model ignores) straight to the console, around our
// structured logs; switched off unless the embedding program chose otherwise.
const sdkGlobals = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
sdkGlobals.AI_SDK_LOG_WARNINGS ??= false;

export class AiSdkClient implements LlmClient {
  readonly provider: ApiVendor;
  readonly model: string;
  readonly #vendor: VendorModel;
  readonly #hints: ErrorHints;
  readonly #clock: Clock;
  readonly #pool: PooledFetch;
  readonly #ownsPool: boolean;
  readonly #outputs = new WeakMap<StructuredOutput, OutputInterface<string, string, never>>();

  constructor(options: AiSdkClientOptions) {
    this.provider = options.vendor;
    this.model = options.model;
    this.#hints = options.hints;
    this.#clock = options.clock ?? systemClock;
    this.#ownsPool = options.pool === undefined;
    this.#pool = options.pool ?? createPooledFetch();
    this.#vendor = createVendorModel({
      vendor: options.vendor,
      model: options.model,
      apiKey: options.apiKey || undefined,
      baseUrl: options.baseUrl || undefined,
      fetch: this.#pool.fetch,
    });
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const { signal } = request;
    throwIfAborted(signal);
    let usage: LanguageModelUsage | undefined;
    try {
      const result = streamText({ ...this.#settings(request), onError: quiet });
      for await (const part of result.fullStream) {
        if (part.type === "text-delta") {
          if (part.text !== "") yield { type: "text", text: part.text };
        } else if (part.type === "finish") usage = part.totalUsage;
        else if (part.type === "error") throw part.error;
        else if (part.type === "abort") throwIfAborted(signal);
      }
    } catch (err) {
      throw this.#error(err, signal);
    }
    throwIfAborted(signal);
    if (!usage) {
      throw new SynapseError(
        "UNAVAILABLE",
        `The answer from ${this.#hints.vendor} ended early; retry the call.`,
      );
    }
    yield { type: "done", usage: toUsage(usage) };
  }

  async complete(request: LlmRequest): Promise<LlmAnswer> {
    const { signal } = request;
    throwIfAborted(signal);
    try {
      const result = await generateText(this.#settings(request));
      return { text: result.text, usage: toUsage(result.totalUsage) };
    } catch (err) {
      throw this.#error(err, signal);
    }
  }

  close(): Promise<void> {
    return this.#ownsPool ? this.#pool.close() : Promise.resolve();
  }

  #settings(request: LlmRequest) {
    return {
      model: this.#vendor.model,
      system: request.system,
      prompt: request.prompt,
      abortSignal: request.signal,
      maxRetries: 0,
      providerOptions: this.#vendor.providerOptions,
      ...(request.output ? { output: this.#output(request.output) } : {}),
    };
  }

  #output(spec: StructuredOutput): OutputInterface<string, string, never> {
    let output = this.#outputs.get(spec);
    if (!output) {
      output = jsonTextOutput(spec);
      this.#outputs.set(spec, output);
    }
    return output;
  }

  #error(err: unknown, signal: AbortSignal): SynapseError {
    return mapAiSdkError(err, signal, this.#hints, this.#clock.now());
  }
}

function toUsage(usage: LanguageModelUsage): Usage {
  return { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 };
}
