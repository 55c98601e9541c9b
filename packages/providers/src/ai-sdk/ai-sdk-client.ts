/**
 * An LlmClient on a vendor API through the AI SDK. It calls the vendor model's own streaming
 * and whole-answer calls (`doStream` / `doGenerate`, the SDK's provider interface that
 * `streamText` and `generateText` are built on) rather than those two: they add about 2 ms of
 * CPU per streamed call (prompt validation, step and telemetry machinery, per-delta output
 * parsing) for features we do not use — tools, multi-step runs, callbacks — and their retry
 * wrapper, which must be off anyway (retries belong to our resilience layer). The SDK still does
 * all the wire work: request bodies, SSE parsing, structured output modes, usage, abort, errors.
 * The model, its options and each answer format are built once, not per call.
 */
import { type Clock, SynapseError, systemClock, type Usage } from "@synapse/core";
import type { JSONSchema7 } from "ai";
import { throwIfAborted } from "../abort.js";
import type { LlmAnswer, LlmClient, LlmEvent, LlmRequest, StructuredOutput } from "../llm.js";
import type { VendorClientOptions } from "../vendor-client-options.js";
import { type ErrorHints, mapAiSdkError } from "./map-error.js";
import { createPooledFetch, type PooledFetch } from "./pooled-fetch.js";
import { type ApiVendor, createVendorModel, type ModelV3 } from "./vendor-models.js";

type CallOptions = Parameters<ModelV3["doStream"]>[0];
type ModelUsage = Awaited<ReturnType<ModelV3["doGenerate"]>>["usage"];

export type AiSdkClientOptions = VendorClientOptions<ApiVendor>;

export class AiSdkClient implements LlmClient {
  readonly provider: ApiVendor;
  readonly model: string;
  readonly #model: ModelV3;
  readonly #providerOptions: CallOptions["providerOptions"];
  readonly #hints: ErrorHints;
  readonly #clock: Clock;
  readonly #pool: PooledFetch;
  readonly #ownsPool: boolean;
  readonly #formats = new WeakMap<StructuredOutput, NonNullable<CallOptions["responseFormat"]>>();

  constructor(options: AiSdkClientOptions) {
    this.provider = options.vendor;
    this.model = options.model;
    this.#hints = options.hints;
    this.#clock = options.clock ?? systemClock;
    this.#ownsPool = options.pool === undefined;
    this.#pool = options.pool ?? createPooledFetch();
    const built = createVendorModel({
      vendor: options.vendor,
      model: options.model,
      apiKey: options.apiKey || undefined,
      baseUrl: options.baseUrl || undefined,
      fetch: this.#pool.fetch,
    });
    this.#model = built.model;
    this.#providerOptions = built.providerOptions;
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const { signal } = request;
    throwIfAborted(signal);
    let usage: ModelUsage | undefined;
    try {
      const { stream } = await this.#model.doStream(this.#options(request));
      for await (const part of stream) {
        if (part.type === "text-delta") {
          if (part.delta !== "") yield { type: "text", text: part.delta };
        } else if (part.type === "finish") usage = part.usage;
        else if (part.type === "error") throw part.error;
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
      const result = await this.#model.doGenerate(this.#options(request));
      let text = "";
      for (const part of result.content) if (part.type === "text") text += part.text;
      return { text, usage: toUsage(result.usage) };
    } catch (err) {
      throw this.#error(err, signal);
    }
  }

  close(): Promise<void> {
    return this.#ownsPool ? this.#pool.close() : Promise.resolve();
  }

  #options(request: LlmRequest): CallOptions {
    return {
      prompt: [
        { role: "system", content: request.system },
        { role: "user", content: [{ type: "text", text: request.prompt }] },
      ],
      abortSignal: request.signal,
      providerOptions: this.#providerOptions,
      ...(request.output ? { responseFormat: this.#format(request.output) } : {}),
    };
  }

  /** The answer format for a schema, built on first use and kept (schemas are per action). */
  #format(spec: StructuredOutput): NonNullable<CallOptions["responseFormat"]> {
    let format = this.#formats.get(spec);
    if (!format) {
      format = { type: "json", schema: spec.schema as JSONSchema7, name: spec.name };
      this.#formats.set(spec, format);
    }
    return format;
  }

  #error(err: unknown, signal: AbortSignal): SynapseError {
    return mapAiSdkError(err, signal, this.#hints, this.#clock.now());
  }
}

function toUsage(usage: ModelUsage): Usage {
  return { inputTokens: usage.inputTokens.total ?? 0, outputTokens: usage.outputTokens.total ?? 0 };
}
