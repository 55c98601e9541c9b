/** One HTTP endpoint under load: where it is, what is sent, and how a streamed answer is read. */

export interface HttpTarget {
  /** A short label, e.g. "direct", "synapse", "portkey". */
  name: string;
  /** Origin, e.g. "http://127.0.0.1:8000". */
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** The JSON body sent with every request. */
  body: string;
}

/** A chat completion request in the OpenAI format for `model`, streamed or not. */
export function chatTarget(
  name: string,
  origin: string,
  model: string,
  stream: boolean,
  headers: Record<string, string> = {},
): HttpTarget {
  return {
    name,
    origin,
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json", authorization: "Bearer bench", ...headers },
    body: JSON.stringify({
      model,
      stream,
      messages: [{ role: "user", content: "Add a health endpoint to the billing service" }],
    }),
  };
}

// The first SSE data that carries text: `"content":"` followed by anything but the closing quote
// (role-only frames with empty content do not count as the first token).
const FIRST_CONTENT = /"content":"[^"]/;

/** True once `text` (the stream so far) holds a chunk with non-empty content. */
export function hasContent(text: string): boolean {
  return FIRST_CONTENT.test(text);
}
