/**
 * Idempotency keys in Redis, so a client that retries through another gateway still attaches to
 * the stream or result of its first request.
 *
 * The first request claims the key with SET NX and a unique "pending" token that expires after
 * `pendingMs` (so a gateway that dies mid-call does not hold the key for long); when its call
 * succeeds it stores the stream id or the response for `ttlMs`, and when it fails it deletes the
 * key so a retry really retries. Both happen only while the token is still its own (a small Lua
 * compare-and-set). A request that finds the key pending polls it — with a growing delay on the
 * given clock — until the value is there, or the key is gone and it claims it in turn. Polling
 * is by hand because Redis has no "wait until this key changes" without a connection per waiter;
 * waiting is rare (two copies of one request in flight at once).
 */
import { randomUUID } from "node:crypto";
import { type AgentResponse, type Clock, SynapseError, sleep, systemClock } from "@synapse/core";
import type { RedisClient } from "@synapse/resilience";
import type { Idempotency } from "./idempotency.js";

export interface RedisIdempotencyOptions {
  /** A connected client, shared (not closed here). */
  redis: RedisClient;
  /** How long a key stays attached to its stream or result, in milliseconds. */
  ttlMs: number;
  /**
   * How long a first request may take to get its stream id or result before the key is free
   * again, in milliseconds (the gateway's request timeout).
   */
  pendingMs: number;
  /** Prefix of every key. Defaults to "synapse:". */
  keyPrefix?: string;
  clock?: Clock;
  /** First delay between polls of a pending key, in milliseconds; it grows by half up to 500. Defaults to 20. */
  pollMs?: number;
}

// KEYS: the key. ARGV: the claim's token, then the value and its TTL to store, or nothing to delete.
const SETTLE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return redis.call('DEL', KEYS[1])
`;

const PENDING = "pending:";
const MAX_POLL_MS = 500;

export class RedisIdempotencyStore implements Idempotency {
  readonly #options: RedisIdempotencyOptions;
  readonly #prefix: string;
  readonly #clock: Clock;

  constructor(options: RedisIdempotencyOptions) {
    this.#options = options;
    this.#prefix = `${options.keyPrefix ?? "synapse:"}idempotency:`;
    this.#clock = options.clock ?? systemClock;
  }

  stream(key: string, start: () => Promise<string>): Promise<string> {
    return this.#once(
      `stream:${key}`,
      start,
      (id) => id,
      (raw) => raw,
    );
  }

  unary(key: string, run: () => Promise<AgentResponse>): Promise<AgentResponse> {
    return this.#once(`unary:${key}`, run, JSON.stringify, (raw) => JSON.parse(raw) as AgentResponse);
  }

  async #once<T>(
    key: string,
    run: () => Promise<T>,
    encode: (value: T) => string,
    decode: (raw: string) => T,
  ): Promise<T> {
    const { redis, ttlMs, pendingMs } = this.#options;
    const redisKey = this.#prefix + key;
    let delay = this.#options.pollMs ?? 20;
    for (;;) {
      const token = PENDING + randomUUID();
      if ((await shared(redis.set(redisKey, token, "PX", pendingMs, "NX"))) === "OK") {
        let value: T;
        try {
          value = await run();
        } catch (err) {
          await redis.eval(SETTLE, 1, redisKey, token).catch(() => {});
          throw err;
        }
        // Stored best-effort: the call succeeded, and a lost key only means a retry runs again.
        await redis.eval(SETTLE, 1, redisKey, token, encode(value), Math.max(1, ttlMs)).catch(() => {});
        return value;
      }
      const found = await shared(redis.get(redisKey));
      if (found === null) continue; // the first request failed or its claim lapsed: claim it now
      if (!found.startsWith(PENDING)) return decode(found);
      await sleep(delay, undefined, this.#clock);
      delay = Math.min(MAX_POLL_MS, delay * 1.5);
    }
  }
}

/** A Redis failure before the call started, as an error the client can act on. */
async function shared<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (err) {
    throw new SynapseError(
      "UNAVAILABLE",
      `The shared state (Redis) did not answer (${(err as Error).message}); try again.`,
    );
  }
}
