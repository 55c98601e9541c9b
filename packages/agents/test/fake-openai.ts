/**
 * A local OpenAI-compatible Chat Completions server for role tests: it answers each request with
 * the next scripted text (the last repeats), streamed as `chat.completion.chunk`s ending in
 * `data: [DONE]` when asked to stream, as one JSON body otherwise, and records every request.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown } };
}

export interface FakeOpenAi {
  readonly baseUrl: string;
  readonly requests: ChatRequest[];
  answer(...texts: string[]): void;
  close(): Promise<void>;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  let answers: string[] = ["{}"];
  const requests: ChatRequest[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      const parsed = JSON.parse(body) as ChatRequest;
      requests.push(parsed);
      const text = (answers.length > 1 ? answers.shift() : answers[0]) ?? "";
      const usage = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 };
      const base = { id: "c1", created: 1_700_000_000, model: parsed.model };
      if (!parsed.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            ...base,
            object: "chat.completion",
            choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (o: unknown) =>
        res.write(
          `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", ...(o as object) })}\n\n`,
        );
      // Split into a few deltas, the way a model streams.
      const size = Math.max(1, Math.ceil(text.length / 4));
      for (let i = 0; i < text.length; i += size) {
        chunk({ choices: [{ index: 0, delta: { content: text.slice(i, i + size) }, finish_reason: null }] });
      }
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
      chunk({ choices: [], usage });
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    answer(...texts) {
      answers = texts;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
