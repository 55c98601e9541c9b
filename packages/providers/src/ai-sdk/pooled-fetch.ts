/**
 * A `fetch` over one pooled keep-alive connection agent (undici), for the AI SDK's providers:
 * calls to a vendor reuse warm TLS connections instead of opening one per request. One per
 * process is enough; pass the same PooledFetch to every client that should share it.
 */
import { Agent, fetch as undiciFetch } from "undici";

export interface PooledFetchOptions {
  /** Most connections per origin. Defaults to 64. */
  connections?: number;
  /** How long an idle connection is kept open, in milliseconds. Defaults to 30 seconds. */
  keepAliveTimeoutMs?: number;
}

export interface PooledFetch {
  /** A fetch that sends every request through the pooled agent. */
  readonly fetch: typeof globalThis.fetch;
  /** Closes the pool's connections. Idempotent. */
  close(): Promise<void>;
}

export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  const keepAlive = options.keepAliveTimeoutMs ?? 30_000;
  const dispatcher = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: keepAlive,
    keepAliveMaxTimeout: Math.max(keepAlive, 600_000),
  });
  // undici's fetch and the global fetch have separately declared (compatible) types.
  const fetch = ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
  let closing: Promise<void> | undefined;
  return {
    fetch,
    close() {
      closing ??= dispatcher.close();
      return closing;
    },
  };
}
