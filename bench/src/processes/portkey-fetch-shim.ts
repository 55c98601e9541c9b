/**
 * Preloaded into the Portkey process (`node --import`), so that its streaming works on Node 20 and
 * the peer's time to first content can be measured at all. Portkey's Node build appends headers to
 * the upstream's fetch Response (`ResponseService.updateHeaders`), whose headers are immutable
 * under Node's fetch: every streamed call fails with `TypeError: immutable` and HTTP 500. (Unary
 * calls build a new Response first and are not affected.) This wraps the global fetch so each
 * upstream response is re-wrapped in a Response of Node's own class — captured here, before
 * Portkey's @hono/node-server replaces the global — whose headers are mutable. It costs Portkey one
 * Response object per call, well under 1 % of its CPU per request; BENCHMARKS.md says so.
 */
const NodeResponse = globalThis.Response;
const nodeFetch = globalThis.fetch;

globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const response = await nodeFetch(input, init);
  return new NodeResponse(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};
