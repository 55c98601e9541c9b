/**
 * The fallback's cache of successful responses, keyed by agent, action and the input as stable
 * JSON (keys sorted, so `{a, b}` and `{b, a}` are the same request). `ResponseCacheStore` is what
 * the fallback needs; `ResponseCache` here is the embedded one, in this process's memory, bounded
 * by entry count (least recently used out first, via lru-cache) and by age: an entry older than
 * the TTL is never served. Ages come from the given clock so tests are exact. Several gateways
 * share one cache through `RedisResponseCache`.
 */
import { type AgentRequest, type AgentResponse, type Clock, systemClock } from "@synapse/core";
import { LRUCache } from "lru-cache";
import stringify from "safe-stable-stringify";

export interface CachedResponse {
  response: AgentResponse;
  /** How long ago it was stored, in milliseconds. */
  ageMs: number;
}

/** The part of a request that decides its cache key. */
export type CacheableRequest = Pick<AgentRequest, "agent" | "action" | "input">;

/**
 * Where the fallback keeps good answers. Either method may answer synchronously (the embedded
 * LRU) or with a promise (a networked store); the fallback treats both alike, and a store that
 * fails simply has nothing cached.
 */
export interface ResponseCacheStore {
  /** The stored answer with its age, or undefined when there is none younger than the TTL. */
  get(request: CacheableRequest): CachedResponse | undefined | Promise<CachedResponse | undefined>;
  /** Stores a provider's answer; fallback answers are never stored (they would hide their origin). */
  set(request: CacheableRequest, response: AgentResponse): void | Promise<void>;
}

interface Entry {
  response: AgentResponse;
  storedAt: number;
}

export class ResponseCache implements ResponseCacheStore {
  readonly #lru: LRUCache<string, Entry>;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  /** @param options.ttlMs defaults to 10 minutes; @param options.maxEntries defaults to 1,000. */
  constructor(options: { ttlMs?: number; maxEntries?: number } = {}, clock: Clock = systemClock) {
    this.#lru = new LRUCache<string, Entry>({ max: Math.max(1, options.maxEntries ?? 1_000) });
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#clock = clock;
  }

  /** The cache key of a request: agent, action and normalized input. */
  static key(request: CacheableRequest): string {
    return `${request.agent}.${request.action}:${stringify(request.input) ?? ""}`;
  }

  get(request: CacheableRequest): CachedResponse | undefined {
    const key = ResponseCache.key(request);
    const entry = this.#lru.get(key);
    if (entry === undefined) return undefined;
    const ageMs = this.#clock.now() - entry.storedAt;
    if (ageMs > this.#ttlMs) {
      this.#lru.delete(key);
      return undefined;
    }
    return { response: entry.response, ageMs };
  }

  /** Stores a provider's response; fallback answers are never stored (they would hide their origin). */
  set(request: CacheableRequest, response: AgentResponse): void {
    if (response.fallback !== undefined) return;
    this.#lru.set(ResponseCache.key(request), { response, storedAt: this.#clock.now() });
  }

  get size(): number {
    return this.#lru.size;
  }
}
