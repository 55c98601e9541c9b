/**
 * The live tail of stream logs in Redis, for every process that shares it: one blocking
 * connection per store runs XREAD BLOCK over all the streams this process listens to (plus a
 * private wake-up stream), so a thousand readers cost one connection, not a thousand.
 *
 * A new subscription starts at the log's last seq as the command connection sees it. That read is
 * queued on the same connection before the reader's own snapshot (stream-tail.ts subscribes, then
 * reads), so every entry missing from the snapshot comes through the tail: no gap. Entries in
 * both are dropped by seq downstream.
 *
 * Adding a stream to a blocked XREAD needs the XREAD to return: an XADD to the wake-up stream
 * does it. Unlike CLIENT UNBLOCK, a wake-up sent before the XREAD reaches Redis is not lost — the
 * XREAD then returns at once with it.
 *
 * A tail whose producer died would wait forever, so every `blockMs` the tail checks its streams'
 * meta and ends the ones that expired with NOT_FOUND, as a read would.
 */
import { randomUUID } from "node:crypto";
import { type Clock, type StreamFinal, SynapseError } from "@synapse/core";
import type { Redis } from "ioredis";
import { type StreamFailure, type StreamLogEvent, streamNotFound } from "./checkpoint-store.js";
import type { RedisStreamKeys } from "./redis-stream-keys.js";

type Listener = (event: StreamLogEvent) => void;

interface Subscription {
  streamId: string;
  key: string;
  /** The id of the last entry delivered; undefined while the start is being read. */
  position: string | undefined;
  listeners: Set<Listener>;
}

export interface RedisLiveTailOptions {
  /** The command connection (start positions, wake-ups, expiry checks). */
  redis: Redis;
  keys: RedisStreamKeys;
  clock: Clock;
  /** A log expires this long after its last write, in milliseconds. */
  ttlMs: number;
  /** Longest single XREAD BLOCK, and how often expired streams are looked for, in milliseconds. */
  blockMs: number;
}

/** Entries taken per stream per XREAD; the rest come with the next one at once. */
const BATCH = 500;
/** The wake-up stream outlives a crashed process by at most this long. */
const WAKE_KEY_TTL_MS = 86_400_000;

export class RedisLiveTail {
  readonly #options: RedisLiveTailOptions;
  readonly #subs = new Map<string, Subscription>();
  readonly #wakeKey: string;
  #wakePosition = "0-0";
  #wakeSent = false;
  #reader: Redis | undefined;
  #loop: Promise<void> | undefined;
  #lastSweep: number;
  #closed = false;

  constructor(options: RedisLiveTailOptions) {
    this.#options = options;
    this.#wakeKey = `${options.keys.prefix}tail-wake:${randomUUID()}`;
    this.#lastSweep = options.clock.now();
  }

  /** Calls `listener` with each later entry of `streamId`, from any process; returns the unsubscribe. */
  subscribe(streamId: string, listener: Listener): () => void {
    if (this.#closed) return () => {};
    let sub = this.#subs.get(streamId);
    if (sub === undefined) {
      const created: Subscription = {
        streamId,
        key: this.#options.keys.log(streamId),
        position: undefined,
        listeners: new Set(),
      };
      this.#subs.set(streamId, created);
      this.#options.redis.hget(this.#options.keys.meta(streamId), "lastSeq").then(
        (lastSeq) => {
          if (this.#subs.get(streamId) !== created) return;
          created.position = `${lastSeq ?? 0}-0`;
          this.#start();
        },
        (err: unknown) => this.#end(created, unavailable(err)),
      );
      sub = created;
    }
    const subscription = sub;
    subscription.listeners.add(listener);
    return () => {
      subscription.listeners.delete(listener);
      if (subscription.listeners.size === 0 && this.#subs.get(streamId) === subscription) {
        this.#subs.delete(streamId);
      }
    };
  }

  /** Streams listened to now (for tests and metrics). */
  get size(): number {
    return this.#subs.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subs.clear();
    this.#reader?.disconnect();
    await this.#loop;
    if (this.#reader !== undefined) await this.#options.redis.del(this.#wakeKey).catch(() => {});
  }

  /** Runs the reader if it is not running, and makes a blocked XREAD take the new stream in. */
  #start(): void {
    if (this.#closed) return;
    if (this.#reader === undefined) {
      // Blocking reads wait for a reconnection instead of failing after a few attempts.
      // Named, so CLIENT LIST shows what the connection is for.
      this.#reader = this.#options.redis.duplicate({
        maxRetriesPerRequest: null,
        connectionName: `${this.#options.keys.prefix}tail`,
      });
      this.#reader.on("error", () => {
        // ioredis reconnects by itself; the XREAD in flight is sent again once it has.
      });
      this.#loop = this.#run(this.#reader);
      return;
    }
    if (this.#wakeSent) return;
    this.#wakeSent = true;
    this.#options.redis
      .multi()
      .xadd(this.#wakeKey, "MAXLEN", "1", "*", "w", "1")
      .pexpire(this.#wakeKey, WAKE_KEY_TTL_MS)
      .exec()
      .catch(() => {});
  }

  async #run(reader: Redis): Promise<void> {
    while (!this.#closed) {
      if (this.#options.clock.now() - this.#lastSweep >= this.#options.blockMs) await this.#sweep();
      const subs = new Map<string, Subscription>();
      for (const sub of this.#subs.values()) if (sub.position !== undefined) subs.set(sub.key, sub);
      this.#wakeSent = false;
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await reader.xread(
          "COUNT",
          BATCH,
          "BLOCK",
          this.#options.blockMs,
          "STREAMS",
          this.#wakeKey,
          ...subs.keys(),
          this.#wakePosition,
          ...[...subs.values()].map((s) => s.position as string),
        );
      } catch (err) {
        if (this.#closed) return;
        // Redis refused the read itself (a lost connection is waited out, not thrown): end the
        // tails rather than spin on a read that keeps failing, and let the next subscription
        // start a fresh reader. Their consumers can resume again.
        this.#reader = undefined;
        reader.disconnect();
        for (const sub of subs.values()) this.#end(sub, unavailable(err));
        return;
      }
      for (const [key, entries] of reply ?? []) {
        if (key === this.#wakeKey) {
          this.#wakePosition = entries.at(-1)?.[0] ?? this.#wakePosition;
          continue;
        }
        const sub = subs.get(key);
        if (sub === undefined || this.#subs.get(sub.streamId) !== sub) continue;
        for (const [id, fields] of entries) {
          sub.position = id;
          const event = toEvent(sub.streamId, id, fields);
          if (event !== undefined) this.#deliver(sub, event);
        }
      }
    }
  }

  /** Ends the tails whose logs are gone or expired, as a read of them would. */
  async #sweep(): Promise<void> {
    const { clock, ttlMs, redis, keys } = this.#options;
    const now = clock.now();
    this.#lastSweep = now;
    const subs = [...this.#subs.values()];
    if (subs.length === 0) return;
    const pipeline = redis.pipeline();
    for (const sub of subs) pipeline.hget(keys.meta(sub.streamId), "updatedAt");
    const results = (await pipeline.exec().catch(() => null)) ?? [];
    subs.forEach((sub, i) => {
      const [err, updatedAt] = results[i] ?? [null, undefined];
      if (err !== null || updatedAt === undefined) return;
      if (updatedAt === null || now - Number(updatedAt) > ttlMs) {
        const notFound = streamNotFound(sub.streamId);
        this.#end(sub, { code: notFound.code, message: notFound.message });
      }
    });
  }

  #end(sub: Subscription, failure: StreamFailure): void {
    if (this.#subs.get(sub.streamId) === sub) this.#subs.delete(sub.streamId);
    this.#deliver(sub, { type: "failure", failure });
  }

  #deliver(sub: Subscription, event: StreamLogEvent): void {
    for (const listener of [...sub.listeners]) {
      try {
        listener(event);
      } catch {
        // One broken reader must not stop the others.
      }
    }
  }
}

/** The log event an entry holds (see redis-stream-keys.ts for the layout). */
function toEvent(streamId: string, id: string, fields: string[]): StreamLogEvent | undefined {
  const [field, value] = fields;
  if (value === undefined) return undefined;
  if (field === "t") {
    return { type: "chunk", chunk: { type: "chunk", streamId, seq: Number.parseInt(id, 10), text: value } };
  }
  if (field === "final") return { type: "final", final: JSON.parse(value) as StreamFinal };
  if (field === "failure") return { type: "failure", failure: JSON.parse(value) as StreamFailure };
  return undefined;
}

function unavailable(err: unknown): StreamFailure {
  return {
    code: "UNAVAILABLE",
    message: `The live tail from Redis failed (${SynapseError.from(err).message}); resume the stream again.`,
  };
}
