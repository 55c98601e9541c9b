/**
 * Each vendor's real wire format, for the fake servers: Anthropic Messages (SSE events and the
 * JSON body), Gemini generateContent / streamGenerateContent?alt=sse, OpenAI Chat Completions
 * (chunks ending in `data: [DONE]`, and the JSON body), and each one's error body.
 */
import type { ServerResponse } from "node:http";
import { json, type SeenRequest, sse } from "./fake-vendor-server.js";

export type Vendor = "anthropic" | "google" | "openai" | "openai-compatible";

export interface Answer {
  deltas: string[];
  input: number;
  output: number;
}

/** Whether the client asked this request to stream. */
export function wantsStream(vendor: Vendor, req: SeenRequest): boolean {
  return vendor === "google" ? req.url.includes(":streamGenerateContent") : req.body.stream === true;
}

/** The events of a streamed answer, in the vendor's format (without the final [DONE] for OpenAI). */
export function streamEvents(vendor: Vendor, a: Answer, model = "m-1"): [string | undefined, unknown][] {
  switch (vendor) {
    case "anthropic":
      return [
        [
          "message_start",
          {
            type: "message_start",
            message: {
              id: "msg_1",
              type: "message",
              role: "assistant",
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: a.input, output_tokens: 1 },
            },
          },
        ],
        [
          "content_block_start",
          { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        ],
        ...a.deltas.map(
          (text) =>
            [
              "content_block_delta",
              { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
            ] as [string, unknown],
        ),
        ["content_block_stop", { type: "content_block_stop", index: 0 }],
        [
          "message_delta",
          {
            type: "message_delta",
            delta: { stop_reason: "end_turn", stop_sequence: null },
            usage: { output_tokens: a.output },
          },
        ],
        ["message_stop", { type: "message_stop" }],
      ];
    case "google":
      return a.deltas.map((text, i) => [
        undefined,
        {
          candidates: [
            {
              content: { parts: [{ text }], role: "model" },
              index: 0,
              ...(i === a.deltas.length - 1 ? { finishReason: "STOP" } : {}),
            },
          ],
          usageMetadata: {
            promptTokenCount: a.input,
            candidatesTokenCount: a.output,
            totalTokenCount: a.input + a.output,
          },
          modelVersion: model,
        },
      ]);
    default: {
      const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1_700_000_000, model };
      return [
        ...a.deltas.map(
          (content, i) =>
            [
              undefined,
              {
                ...base,
                choices: [
                  {
                    index: 0,
                    delta: i === 0 ? { role: "assistant", content } : { content },
                    finish_reason: null,
                  },
                ],
              },
            ] as [undefined, unknown],
        ),
        [undefined, { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }],
        [
          undefined,
          {
            ...base,
            choices: [],
            usage: { prompt_tokens: a.input, completion_tokens: a.output, total_tokens: a.input + a.output },
          },
        ],
      ];
    }
  }
}

/** Streams an answer in full. */
export function streamAnswer(vendor: Vendor, res: ServerResponse, a: Answer): void {
  const events = streamEvents(vendor, a);
  const openai = vendor === "openai" || vendor === "openai-compatible";
  sse(res, openai ? [...events, [undefined, "[DONE]"]] : events);
}

/** The non-streaming JSON body of an answer. */
export function answerBody(vendor: Vendor, a: Answer, model = "m-1"): unknown {
  const text = a.deltas.join("");
  switch (vendor) {
    case "anthropic":
      return {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: a.input, output_tokens: a.output },
      };
    case "google":
      return {
        candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP", index: 0 }],
        usageMetadata: {
          promptTokenCount: a.input,
          candidatesTokenCount: a.output,
          totalTokenCount: a.input + a.output,
        },
        modelVersion: model,
      };
    default:
      return {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1_700_000_000,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage: { prompt_tokens: a.input, completion_tokens: a.output, total_tokens: a.input + a.output },
      };
  }
}

/** Answers in full, streaming or not as the request asked. */
export function answer(vendor: Vendor, a: Answer) {
  return (req: SeenRequest, res: ServerResponse) => {
    if (wantsStream(vendor, req)) streamAnswer(vendor, res, a);
    else json(res, 200, answerBody(vendor, a));
  };
}

/** The vendor's error body for an HTTP status. */
export function errorBody(vendor: Vendor, status: number, message: string): unknown {
  const anthropicType: Record<number, string> = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
    503: "overloaded_error",
  };
  switch (vendor) {
    case "anthropic":
      return { type: "error", error: { type: anthropicType[status] ?? "api_error", message } };
    case "google":
      return {
        error: { code: status, message, status: status === 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE" },
      };
    default:
      return {
        error: {
          message,
          type: status === 429 ? "rate_limit_error" : "server_error",
          code: null,
          param: null,
        },
      };
  }
}

/** Fails with an HTTP status and the vendor's error body. */
export function fail(vendor: Vendor, status: number, message: string, headers: Record<string, string> = {}) {
  return (_req: SeenRequest, res: ServerResponse) =>
    json(res, status, errorBody(vendor, status, message), headers);
}

/** The base URL path each vendor's client appends its routes to. */
export const BASE_PATH: Record<Vendor, string> = {
  anthropic: "/v1",
  google: "/v1beta",
  openai: "/v1",
  "openai-compatible": "/v1",
};
