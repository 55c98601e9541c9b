/**
 * A trivial OpenAI-compatible upstream that answers at once: POST …/chat/completions returns a
 * fixed completion (JSON, or SSE chunks when `"stream": true`), GET …/models a one-model list.
 * The content is a valid `plan` result, so Synapse's claude:plan accepts it through the
 * openai-compatible provider. Responses are serialized once; the body is parsed per request
 * because a real server must read `stream` (and every path pays it alike).
 * Listens on 127.0.0.1:0 and reports `{ type: "ready", ports: { http } }` over IPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

const PLAN = {
  steps: [
    { id: 1, goal: "Add a GET /health route to the billing service", check: "curl /health answers 200" },
    { id: 2, goal: "Report the database connection in the body", check: "the body names the db state" },
  ],
};
const CONTENT = JSON.stringify(PLAN);
const MODEL = "bench-model";
const CREATED = 1_700_000_000;
const USAGE = { prompt_tokens: 42, completion_tokens: 48, total_tokens: 90 };

const completion = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created: CREATED,
    model: MODEL,
    choices: [{ index: 0, message: { role: "assistant", content: CONTENT }, finish_reason: "stop" }],
    usage: USAGE,
  }),
);

const PIECES = 8;
const frame = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: CREATED, model: MODEL, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
const size = Math.ceil(CONTENT.length / PIECES);
const streamFrames = [
  frame({ role: "assistant", content: "" }, null),
  ...Array.from({ length: PIECES }, (_, i) =>
    frame({ content: CONTENT.slice(i * size, (i + 1) * size) }, null),
  ),
  frame({}, "stop", { usage: USAGE }),
  "data: [DONE]\n\n",
].map((s) => Buffer.from(s));

const models = Buffer.from(
  JSON.stringify({
    object: "list",
    data: [{ id: MODEL, object: "model", created: CREATED, owned_by: "bench" }],
  }),
);

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  if (req.method === "GET" && req.url?.endsWith("/models")) {
    res.writeHead(200, { "content-type": "application/json", "content-length": models.length });
    res.end(models);
    return;
  }
  if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"error":{"message":"not found"}}');
    return;
  }
  let stream = false;
  try {
    stream = (JSON.parse(body) as { stream?: unknown }).stream === true;
  } catch {
    res.writeHead(400, { "content-type": "application/json" });
    res.end('{"error":{"message":"invalid JSON"}}');
    return;
  }
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json", "content-length": completion.length });
    res.end(completion);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  // One write per event, as a real server flushes tokens as they come.
  for (const f of streamFrames) res.write(f);
  res.end();
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => answer(req, res, Buffer.concat(parts).toString("utf8")));
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const http = typeof address === "object" && address ? address.port : 0;
  process.send?.({ type: "ready", ports: { http } });
});
// Started by the bench over IPC: never outlive it.
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
