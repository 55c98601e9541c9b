/**
 * Idempotency-Key: a retried POST with the same key (from the same client) attaches to the
 * stream or result of the first instead of calling the agent again. Entries keep for a TTL;
 * a failed unary call forgets its key so the client's retry really retries. `IdempotencyStore`
 * keeps keys in this process; `RedisIdempotencyStore` shares them between gateways.
 */
import type { AgentResponse } from "@synapse/core";

/** What the routes need from an idempotency store. */
export interface Idempotency {
  /** The stream id for `key`, starting the stream with `start` the first time. */
  stream(key: string, start: () => Promise<string>): Promise<string>;
  /** The response for `key`, calling `run` the first time. */
  unary(key: string, run: () => Promise<AgentResponse>): Promise<AgentResponse>;
}

type Entry =
  | { kind: "stream"; streamId: Promise<string>; expires: number }
  | { kind: "unary"; response: Promise<AgentResponse>; expires: number };

export class IdempotencyStore implements Idempotency {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    /** Entries kept at most; the oldest go first. Defaults to 10,000. */
    private readonly maxEntries = 10_000,
  ) {}

  /** The stream id for `key`, starting the stream with `start` the first time. */
  stream(key: string, start: () => Promise<string>): Promise<string> {
    const found = this.get(key);
    if (found?.kind === "stream") return found.streamId;
    const streamId = start();
    this.put(key, { kind: "stream", streamId, expires: this.now() + this.ttlMs });
    streamId.catch(() => this.entries.delete(key));
    return streamId;
  }

  /** The response for `key`, calling `run` the first time. */
  unary(key: string, run: () => Promise<AgentResponse>): Promise<AgentResponse> {
    const found = this.get(key);
    if (found?.kind === "unary") return found.response;
    const response = run();
    this.put(key, { kind: "unary", response, expires: this.now() + this.ttlMs });
    response.catch(() => this.entries.delete(key));
    return response;
  }

  private get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, entry: Entry): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
  }
}
