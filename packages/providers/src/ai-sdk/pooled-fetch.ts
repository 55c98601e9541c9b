/**
 * A `fetch` over one pooled keep-alive connection agent (undici), for the AI SDK's providers:
 * calls to a vendor reuse warm TLS connections instead of opening one per request. One per
 * process is enough; pass the same PooledFetch to every client that should share it.
 *
 * Requests with a plain body (a string or bytes, what the AI SDK sends) go through undici's
 * `request` API and come back as a `Response` over the body stream. That skips the WHATWG fetch
 * algorithm, which cost about 330 µs of CPU per call against about 120 µs this way (measured
 * in bench/, see BENCHMARKS.md) — most of a provider call's transport cost. Errors keep fetch's
 * shapes (a connection failure is a TypeError "fetch failed" with the cause), redirects are
 * followed (at most 5), and any other body (FormData, streams) goes through undici's fetch.
 */
import { Readable } from "node:stream";
import { Agent, type Dispatcher, interceptors, fetch as undiciFetch } from "undici";

export interface PooledFetchOptions {
  /** Most connections per origin. Defaults to 64. */
  connections?: number;
  /** How long an idle connection is kept open, in milliseconds. Defaults to 30 seconds. */
  keepAliveTimeoutMs?: number;
}

export interface PooledFetch {
  /** A fetch that sends every request through the pooled agent. */
  readonly fetch: typeof globalThis.fetch;
  /** The pooled agent, following redirects (at most 5), for undici's `request` API. */
  readonly dispatcher: Dispatcher;
  /** The same pool without the redirect layer (cheaper per request; see chat-completions-client.ts). */
  readonly agent: Dispatcher;
  /** Closes the pool's connections. Idempotent. */
  close(): Promise<void>;
}

type FetchInput = Parameters<typeof globalThis.fetch>[0];
type HeadersInput = RequestInit["headers"];

/** Statuses whose responses have no body (a Response with one would throw). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const keepAlive = options.keepAliveTimeoutMs ?? 30_000;
  const agent = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: keepAlive,
    keepAliveMaxTimeout: Math.max(keepAlive, 600_000),
  });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }));
  const viaFetch = (input: FetchInput, init?: RequestInit) =>
    // undici's fetch and the global fetch have separately declared (compatible) types.
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: agent,
    }) as unknown as Promise<Response>;

  const fetch = async (input: FetchInput, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    const plain =
      body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
    if (!plain || (typeof input !== "string" && !(input instanceof URL))) return viaFetch(input, init);
    const url = typeof input === "string" ? new URL(input) : input;
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (init.method ?? "GET") as Dispatcher.HttpMethod,
        headers: headerRecord(init.headers),
        body: body ?? null,
        signal: init.signal ?? null,
      });
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason ?? err;
      throw new TypeError("fetch failed", { cause: err });
    }
    const headers: [string, string][] = [];
    for (const [name, value] of Object.entries(res.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
      else if (value !== undefined) headers.push([name, value]);
    }
    if (NULL_BODY.has(res.statusCode)) {
      res.body.resume();
      return new Response(null, { status: res.statusCode, headers });
    }
    return new Response(Readable.toWeb(res.body) as ReadableStream, { status: res.statusCode, headers });
  };

  let closing: Promise<void> | undefined;
  return {
    fetch: fetch as typeof globalThis.fetch,
    dispatcher,
    agent,
    close() {
      closing ??= agent.close();
      return closing;
    },
  };
}

function headerRecord(headers: HeadersInput): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}
