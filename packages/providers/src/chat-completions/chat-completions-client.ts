/**
 * An LlmClient for the Chat Completions wire format (OpenAI, and every OpenAI-compatible server:
 * Ollama, vLLM, llama.cpp's server), written on undici's pooled client (`request` for a stream,
 * `dispatch` for a whole answer: whole-response.ts) rather than through the AI SDK. Why by hand:
 * the SDK's per-call machinery — zod parsing of every body and chunk, fetch Request/Response
 * objects and web streams, header and abort plumbing — cost more than the wire work. Measured against the bench's local upstream, one process, 16 calls at a time, CPU
 * per call (load 7–8): a whole answer 210–246 µs through the SDK, 60–68 µs here; a streamed one
 * (8 chunks) 672–745 µs, 77–120 µs here. On the bench's provider path the service went from
 * 775–1,190 to 181–424 µs per request (profile.js, load 7–12, interleaved).
 * It keeps what the providers promise: the system and user messages and the non-strict
 * JSON-schema answer format the SDK sent, usage, cancellation (aborting closes the HTTP request),
 * and errors mapped like every API client's (vendor-errors.ts). SSE is parsed by
 * eventsource-parser. Anthropic and Google stay on the AI SDK.
 */
import { STATUS_CODES } from "node:http";
import { type Clock, SynapseError, systemClock, type Usage } from "@synapse/core";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { Dispatcher } from "undici";
import { abortError, throwIfAborted } from "../abort.js";
import { createPooledFetch, type PooledFetch } from "../ai-sdk/pooled-fetch.js";
import { type LlmAnswer, type LlmClient, type LlmEvent, type LlmRequest, NO_USAGE } from "../llm.js";
import type { VendorClientOptions } from "../vendor-client-options.js";
import {
  cutAnswer,
  type ErrorHints,
  endedEarly,
  httpFailureError,
  inAnswerError,
  isConnectionError,
  malformedAnswer,
  unreachable,
} from "../vendor-errors.js";
import { ChatBody, type ChatVendor } from "./chat-body.js";
import { errorMessageOf, MalformedAnswer, readChunk, readWholeAnswer } from "./chat-wire.js";
import { requestWhole, type WholeResponse, WholeResponseError } from "./whole-response.js";

/** OpenAI's API, when no base URL is configured. */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export type ChatCompletionsClientOptions = VendorClientOptions<ChatVendor>;

export class ChatCompletionsClient implements LlmClient {
  readonly provider: ChatVendor;
  readonly model: string;
  readonly #hints: ErrorHints;
  readonly #clock: Clock;
  readonly #pool: PooledFetch;
  readonly #ownsPool: boolean;
  readonly #body: ChatBody;
  readonly #origin: string;
  readonly #path: string;
  readonly #headers: Record<string, string>;

  constructor(options: ChatCompletionsClientOptions) {
    this.provider = options.vendor;
    this.model = options.model;
    this.#hints = options.hints;
    this.#clock = options.clock ?? systemClock;
    this.#ownsPool = options.pool === undefined;
    this.#pool = options.pool ?? createPooledFetch();
    this.#body = new ChatBody(options.vendor, options.model);
    const url = new URL(`${(options.baseUrl || OPENAI_BASE_URL).replace(/\/+$/, "")}/chat/completions`);
    this.#origin = url.origin;
    this.#path = `${url.pathname}${url.search}`;
    this.#headers = { "content-type": "application/json" };
    if (options.apiKey) this.#headers.authorization = `Bearer ${options.apiKey}`;
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const { signal } = request;
    throwIfAborted(signal);
    const res = await this.#postStream(request);
    const pending: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => pending.push(event) });
    let ended = false;
    let usage: Usage = NO_USAGE;
    try {
      // undici's body stream ignores setEncoding; the decoder keeps a character split across
      // network chunks whole.
      const decoder = new TextDecoder();
      for await (const bytes of res.body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(bytes, { stream: true }));
        for (let i = 0; i < pending.length; i++) {
          const data = (pending[i] as EventSourceMessage).data;
          if (data === "[DONE]") {
            ended = true;
            continue;
          }
          const chunk = readChunk(data);
          if (chunk.error)
            throw inAnswerError(chunk.error.type, chunk.error.message, this.#hints, chunk.error);
          if (chunk.usage) usage = chunk.usage;
          if (chunk.finished) ended = true;
          if (chunk.text !== "") yield { type: "text", text: chunk.text };
        }
        pending.length = 0;
      }
    } catch (err) {
      throw this.#readError(err, signal);
    }
    throwIfAborted(signal);
    if (!ended) throw endedEarly(this.#hints);
    yield { type: "done", usage };
  }

  async complete(request: LlmRequest): Promise<LlmAnswer> {
    const { signal } = request;
    throwIfAborted(signal);
    const res = await this.#postWhole(request);
    let answer: ReturnType<typeof readWholeAnswer>;
    try {
      answer = readWholeAnswer(res.text);
    } catch (err) {
      throw this.#readError(err, signal);
    }
    if ("error" in answer)
      throw inAnswerError(answer.error.type, answer.error.message, this.#hints, answer.error);
    return answer;
  }

  close(): Promise<void> {
    return this.#ownsPool ? this.#pool.close() : Promise.resolve();
  }

  /**
   * Sends a call for a streamed answer; resolves with a 2xx response (its body the stream),
   * throws the mapped error for anything else.
   */
  async #postStream(request: LlmRequest): Promise<Dispatcher.ResponseData> {
    const { signal } = request;
    let res: Dispatcher.ResponseData;
    try {
      const options: Dispatcher.RequestOptions = {
        origin: this.#origin,
        path: this.#path,
        method: "POST",
        headers: this.#headers,
        body: this.#body.build(request, true),
        signal,
      };
      // Sent on the bare pool: undici's redirect layer cost about 10 % of a call's CPU (63 vs 70 µs
      // per whole answer), and APIs do not redirect their POSTs. When a server does (a proxy
      // moving http to https), the call goes again through the layer that follows redirects,
      // as the AI SDK's fetch did; the first POST was not acted on, so sending it again is safe.
      res = await this.#pool.agent.request(options);
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
        await res.body.dump();
        res = await this.#pool.dispatcher.request(options);
      }
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw unreachable(this.#hints, err instanceof Error ? err.message : String(err), err);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    let raw = "";
    try {
      raw = await res.body.text();
    } catch {
      // The status says enough; a body cut short adds nothing.
    }
    if (signal.aborted) throw abortError(signal);
    throw this.#httpFailure(res.statusCode, res.headers, raw);
  }

  /**
   * Sends a call for a whole answer and reads its body at once (requestWhole: no body stream);
   * the same pools, redirect handling and error mapping as #postStream.
   */
  async #postWhole(request: LlmRequest): Promise<WholeResponse> {
    const { signal } = request;
    let res: WholeResponse;
    try {
      const options: Dispatcher.DispatchOptions = {
        origin: this.#origin,
        path: this.#path,
        method: "POST",
        headers: this.#headers,
        body: this.#body.build(request, false),
      };
      res = await requestWhole(this.#pool.agent, options, signal);
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
        res = await requestWhole(this.#pool.dispatcher, options, signal);
      }
    } catch (err) {
      const cause = err instanceof WholeResponseError ? err.cause : err;
      const response = err instanceof WholeResponseError ? err.response : undefined;
      if (response === undefined) {
        if (signal.aborted) throw abortError(signal);
        throw unreachable(this.#hints, cause instanceof Error ? cause.message : String(cause), cause);
      }
      // The answer was cut while its body was read. For an error status, the status says enough.
      if (response.statusCode >= 200 && response.statusCode < 300) throw this.#readError(cause, signal);
      if (signal.aborted) throw abortError(signal);
      throw this.#httpFailure(response.statusCode, response.headers, "");
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    if (signal.aborted) throw abortError(signal);
    throw this.#httpFailure(res.statusCode, res.headers, res.text);
  }

  /** The mapped error for an HTTP status other than 2xx, with the body the server sent. */
  #httpFailure(status: number, headers: WholeResponse["headers"], raw: string): SynapseError {
    const failure = {
      status,
      message: errorMessageOf(raw) ?? STATUS_CODES[status] ?? `HTTP ${status}`,
      headers: retryHeaders(headers),
      body: raw,
    };
    return httpFailureError(failure, this.#hints, this.#clock.now(), new Error(`HTTP ${status}`));
  }

  /** The error for a failure while reading a 2xx answer. */
  #readError(err: unknown, signal: AbortSignal): SynapseError {
    if (signal.aborted) return abortError(signal);
    if (err instanceof SynapseError) return err;
    if (err instanceof MalformedAnswer) return malformedAnswer(this.#hints, err);
    if (isConnectionError(err)) return cutAnswer(this.#hints, err);
    return new SynapseError("INTERNAL", `The call to ${this.#hints.vendor} failed unexpectedly.`, {
      cause: err,
    });
  }
}

/** The pushback headers, as single strings. */
function retryHeaders(headers: WholeResponse["headers"]): Record<string, string | undefined> {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return { "retry-after": first(headers["retry-after"]), "retry-after-ms": first(headers["retry-after-ms"]) };
}
