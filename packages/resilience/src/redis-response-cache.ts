/**
 * The fallback's response cache in Redis, shared by every gateway: an answer one gateway got can
 * stand in when another's attempts all fail. One key per request, `<prefix>cache:<sha256 of the
 * request's cache key>` (inputs can be long), holding the response and when it was stored; Redis
 * drops it after the TTL (PX), and the age check uses the caller's clock so tests are exact.
 * Unlike the embedded LRU it has no entry cap: the TTL bounds it (and Redis's maxmemory policy,
 * if one is set). A Redis failure reads as "nothing cached" to the fallback.
 */
import { createHash } from "node:crypto";
import { type AgentResponse, type Clock, systemClock } from "@synapse/core";
import type { Redis } from "ioredis";
import {
  type CacheableRequest,
  type CachedResponse,
  ResponseCache,
  type ResponseCacheStore,
} from "./response-cache.js";

export interface RedisResponseCacheOptions {
  /** A connected client, shared (not closed here). */
  redis: Redis;
  /** Prefix of every key. Defaults to "synapse:". */
  keyPrefix?: string;
  /** How long an answer may serve, in milliseconds. Defaults to 10 minutes. */
  ttlMs?: number;
  clock?: Clock;
}

interface Stored {
  storedAt: number;
  response: AgentResponse;
}

export class RedisResponseCache implements ResponseCacheStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(options: RedisResponseCacheOptions) {
    this.#redis = options.redis;
    this.#prefix = `${options.keyPrefix ?? "synapse:"}cache:`;
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#clock = options.clock ?? systemClock;
  }

  #key(request: CacheableRequest): string {
    return this.#prefix + createHash("sha256").update(ResponseCache.key(request)).digest("hex");
  }

  async get(request: CacheableRequest): Promise<CachedResponse | undefined> {
    const raw = await this.#redis.get(this.#key(request));
    if (raw === null) return undefined;
    const stored = JSON.parse(raw) as Stored;
    const ageMs = this.#clock.now() - stored.storedAt;
    if (ageMs > this.#ttlMs) return undefined;
    return { response: stored.response, ageMs };
  }

  async set(request: CacheableRequest, response: AgentResponse): Promise<void> {
    if (response.fallback !== undefined || this.#ttlMs <= 0) return;
    const stored: Stored = { storedAt: this.#clock.now(), response };
    await this.#redis.set(this.#key(request), JSON.stringify(stored), "PX", this.#ttlMs);
  }
}
