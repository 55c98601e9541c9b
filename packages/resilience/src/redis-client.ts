/**
 * Connecting to the Redis that several gateways share (ioredis). One client per process carries
 * every short command (stream writes, reads, cache, rate limits, idempotency keys); the live tail
 * adds one blocking connection of its own. Errors name Redis's host and port, never the URL,
 * which may hold a password. ioredis (~10 MiB resident) is imported at the first connection, so
 * an embedded gateway, which never connects, never loads it.
 */
import { importFeature, SynapseError } from "@synapse/core";
import type { Redis } from "ioredis";

export type RedisClient = Redis;

export interface RedisConnectOptions {
  /** Milliseconds to wait for the first connection. Defaults to 5 seconds. */
  connectTimeoutMs?: number;
  /**
   * Called with connection errors after the first connection (ioredis reconnects by itself);
   * without it they are dropped instead of printed by ioredis.
   */
  onError?: (err: Error) => void;
}

/** "host:port" (or the socket path) of a Redis URL, safe to show: no user, no password. */
export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "127.0.0.1"}:${parsed.port || "6379"}`;
  } catch {
    return "(an unparsable URL)";
  }
}

/**
 * Checks that `url` is a Redis URL: `redis://[user:password@]host[:port][/db]` or `rediss://…`
 * for TLS. Throws INVALID_ARGUMENT saying what is expected, without echoing the URL.
 */
export function assertRedisUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      "The Redis URL is not a URL; expected redis://[user:password@]host[:port][/db] (or rediss:// for TLS).",
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `The Redis URL has the scheme "${parsed.protocol}"; expected redis:// or rediss://.`,
    );
  }
}

/**
 * Connects to the Redis at `url` and resolves once it answers PING. Rejects with UNAVAILABLE
 * naming host and port when it cannot be reached in time (and then holds no connection).
 */
export async function connectRedis(url: string, options: RedisConnectOptions = {}): Promise<Redis> {
  assertRedisUrl(url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const ioredis = await importFeature(
    "shared state (SYNAPSE_STATE=shared)",
    "ioredis",
    () => import("ioredis"),
  );
  const redis = new ioredis.Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    // A command fails after a few reconnection attempts instead of waiting for Redis forever;
    // the callers turn that into an error the client sees (or, for caches, into a miss).
    maxRetriesPerRequest: 3,
  });
  let firstError: Error | undefined;
  redis.on("error", (err: Error) => {
    firstError ??= err;
    options.onError?.(err);
  });
  try {
    await withTimeout(redis.connect(), connectTimeoutMs);
    await withTimeout(redis.ping(), connectTimeoutMs);
  } catch (err) {
    redis.disconnect();
    const reason = (firstError ?? (err as Error)).message;
    throw new SynapseError(
      "UNAVAILABLE",
      `Cannot reach Redis at ${redisTarget(url)} (${reason}); start Redis or correct the URL.`,
    );
  }
  return redis;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
