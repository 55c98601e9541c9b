/**
 * The OpenAI-compatible API, so any OpenAI client pointed at http://host:8000/v1 can talk to the
 * agents: GET /v1/models lists `claude`, `claude:plan`, `claude:code`, … and POST
 * /v1/chat/completions runs the action the model name picks (an agent alone means its first
 * action), streaming (`chat.completion.chunk` events, then `data: [DONE]`) or not.
 */
import {
  ACTIONS_BY_AGENT,
  type ActionName,
  AGENTS,
  type AgentName,
  type AgentResponse,
  assertAgentAction,
  randomHex,
  SynapseError,
} from "@synapse/core";
import type { FastifyInstance } from "fastify";
import { clientGoneSignal } from "../client-gone.js";
import type { GatewayContext } from "../context.js";
import { flushNow } from "../sse.js";
import { TickBatch } from "../tick-batch.js";
import { ChatChunkFrames } from "./chat-chunk-frames.js";

/** Which input field the conversation's last user message fills, per action. */
const PROMPT_FIELD: Record<ActionName, string> = {
  plan: "task",
  code: "task",
  analyze: "text",
  review: "code",
  execute: "command",
};

export const MODEL_IDS = AGENTS.flatMap((agent) => [
  agent,
  ...ACTIONS_BY_AGENT[agent].map((a) => `${agent}:${a}`),
]);

interface ChatMessage {
  role: string;
  content: string | { type: string; text?: string }[] | null;
}

interface ChatBody {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
}

export function pickModel(model: string): { agent: AgentName; action: ActionName } {
  const [agent = "", action] = model.split(":");
  if (action === undefined) {
    if (!(AGENTS as readonly string[]).includes(agent)) {
      throw new SynapseError("NOT_FOUND", `Unknown model "${model}". Models: ${MODEL_IDS.join(", ")}.`);
    }
    return { agent: agent as AgentName, action: ACTIONS_BY_AGENT[agent as AgentName][0] };
  }
  return assertAgentAction(agent, action);
}

function textOf(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!content) return "";
  return content.map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("");
}

/** The action input from a conversation: the last user message, earlier turns as context for plan. */
export function inputFromMessages(action: ActionName, messages: ChatMessage[]): Record<string, unknown> {
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  const prompt = lastUser ? textOf(lastUser.content).trim() : "";
  if (prompt === "")
    throw new SynapseError("INVALID_ARGUMENT", "messages must contain a non-empty user message.");
  const input: Record<string, unknown> = { [PROMPT_FIELD[action]]: prompt };
  const context = messages
    .filter((m) => m !== lastUser && m.role !== "assistant")
    .map((m) => textOf(m.content))
    .filter(Boolean)
    .join("\n\n");
  if (context && action === "plan") input.context = context;
  return input;
}

function usageOf(response: AgentResponse) {
  return {
    prompt_tokens: response.usage.inputTokens,
    completion_tokens: response.usage.outputTokens,
    total_tokens: response.usage.inputTokens + response.usage.outputTokens,
  };
}

const chatBodySchema = {
  type: "object",
  required: ["model", "messages"],
  properties: {
    model: { type: "string", description: `One of: ${MODEL_IDS.join(", ")}` },
    messages: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["role"],
        properties: { role: { type: "string" }, content: {} },
      },
    },
    stream: { type: "boolean" },
  },
  additionalProperties: true,
};

export async function openAiRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  app.get(
    "/v1/models",
    { schema: { tags: ["openai"], summary: "Models (agent or agent:action)" } },
    async () => ({
      object: "list",
      data: MODEL_IDS.map((id) => ({ id, object: "model", created: 0, owned_by: "synapse" })),
    }),
  );

  app.post<{ Body: ChatBody }>(
    "/v1/chat/completions",
    { schema: { tags: ["openai"], summary: "Chat completions in the OpenAI format", body: chatBodySchema } },
    async (request, reply) => {
      const { agent, action } = pickModel(request.body.model);
      request.labels = { agent, action };
      const input = inputFromMessages(action, request.body.messages);
      const id = `chatcmpl-${randomHex(16)}`;
      const created = Math.floor(Date.now() / 1000);
      const model = request.body.model;
      const deadline = Date.now() + ctx.config.gateway.timeoutMs;
      const agentRequest = { agent, action, input, requestId: request.id };

      if (request.body.stream !== true) {
        const started = performance.now();
        const response = await ctx.upstream.invoke(agentRequest, {
          signal: clientGoneSignal(request),
          deadline,
          requestId: request.id,
        });
        request.upstreamMs = performance.now() - started;
        return {
          id,
          object: "chat.completion",
          created,
          model,
          choices: [
            { index: 0, message: { role: "assistant", content: response.text }, finish_reason: "stop" },
          ],
          usage: usageOf(response),
          synapse: { result: response.result, provider: response.provider, fallback: response.fallback },
        };
      }

      const controller = new AbortController();
      reply.raw.once("close", () => controller.abort());
      const { streamId, events } = await ctx.upstream.openStream(
        agentRequest,
        { deadline, requestId: request.id },
        controller.signal,
      );
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "x-stream-id": streamId,
      });
      const frames = new ChatChunkFrames(id, created, model);
      // The head and this role frame leave with the first content, in one write: that event is
      // already stored (openStream waited for it), and each socket write costs a syscall.
      raw.write(frames.frame({ role: "assistant", content: "" }, null));
      const batch = new TickBatch((text) => raw.write(text));
      let flushed = false;
      try {
        for await (const event of events) {
          const frame =
            event.type === "chunk"
              ? frames.content(event.text)
              : frames.frame({}, "stop", { usage: usageOf(event.response) });
          if (flushed) {
            batch.add(frame);
          } else {
            // The first token goes out now; the rest of a burst leaves together (see TickBatch).
            flushed = true;
            raw.write(frame);
            flushNow(raw);
          }
        }
      } catch (err) {
        const error = SynapseError.from(err);
        batch.add(
          `data: ${JSON.stringify({ error: { message: error.message, code: error.code.toLowerCase() } })}\n\n`,
        );
      }
      batch.flush();
      raw.end("data: [DONE]\n\n");
      return reply;
    },
  );
}
