/**
 * A CheckpointStore in Redis, for several gateways serving one system (DESIGN.md, "State",
 * shared mode): a stream started through one gateway can be resumed through any other, and its
 * live tail reaches readers in every process. Layout and scripts: redis-stream-keys.ts; the
 * cross-process tail: redis-live-tail.ts.
 *
 * Expiry is decided by the store's clock against the `updatedAt` each write records (so tests
 * with a fake clock are exact, and every gateway agrees within its clock skew), and Redis also
 * drops the keys a TTL after the last write (PEXPIRE), so nothing outlives it even if no gateway
 * ever purges.
 *
 * Connections: the command client is shared (passed in, not closed here); the store adds one
 * blocking connection for its live tail, opened at the first subscription.
 */
import { type Clock, type StreamChunk, type StreamFinal, SynapseError, systemClock } from "@synapse/core";
import type { Redis } from "ioredis";
import {
  type CheckpointStore,
  type StreamFailure,
  type StreamLogEvent,
  type StreamSnapshot,
  seqMismatch,
  streamClosed,
  streamExists,
  streamNotFound,
} from "./checkpoint-store.js";
import { RedisLiveTail } from "./redis-live-tail.js";
import { RedisStreamKeys, type ScriptReply, type StreamScripts, streamScripts } from "./redis-stream-keys.js";

export interface RedisCheckpointStoreOptions {
  /** A connected client (see connectRedis); shared with other users, so close() leaves it open. */
  redis: Redis;
  /** Prefix of every key, so systems can share one Redis. Defaults to "synapse:". */
  keyPrefix?: string;
  /** A log expires this long after its last write, in milliseconds. Defaults to 10 minutes. */
  ttlMs?: number;
  clock?: Clock;
  /**
   * Longest wait of one blocking read of the live tail, and so how often tails of expired
   * (abandoned) streams are ended, in milliseconds. Defaults to 5 seconds.
   */
  blockMs?: number;
}

/** Stream ids purged per round trip. */
const PURGE_BATCH = 500;

export class RedisCheckpointStore implements CheckpointStore {
  readonly #redis: Redis;
  readonly #keys: RedisStreamKeys;
  readonly #scripts: StreamScripts;
  readonly #tail: RedisLiveTail;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #lastPurge: number;

  constructor(options: RedisCheckpointStoreOptions) {
    this.#redis = options.redis;
    this.#keys = new RedisStreamKeys(options.keyPrefix ?? "synapse:");
    this.#scripts = streamScripts(options.redis);
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#clock = options.clock ?? systemClock;
    this.#lastPurge = this.#clock.now();
    this.#tail = new RedisLiveTail({
      redis: options.redis,
      keys: this.#keys,
      clock: this.#clock,
      ttlMs: this.#ttlMs,
      blockMs: options.blockMs ?? 5_000,
    });
  }

  /** The arguments every script takes first: its three keys, then now, the TTL and the id. */
  #args(streamId: string): (string | number)[] {
    const k = this.#keys;
    return [
      k.meta(streamId),
      k.log(streamId),
      k.index,
      this.#clock.now(),
      this.#ttlMs,
      // PEXPIRE needs a positive time; a zero TTL still expires on the next read.
      Math.max(1, this.#ttlMs),
      streamId,
    ];
  }

  async create(streamId: string): Promise<void> {
    // Expired logs are deleted now and then (Redis expires their keys too; this trims the index).
    if (this.#clock.now() - this.#lastPurge >= this.#ttlMs) await this.purgeExpired();
    const [verdict] = await this.#run(this.#scripts.create(...this.#args(streamId)));
    if (verdict === "EXISTS") throw streamExists(streamId);
  }

  async append(streamId: string, chunk: StreamChunk): Promise<void> {
    const reply = await this.#run(this.#scripts.append(...this.#args(streamId), chunk.seq, chunk.text));
    this.#check(streamId, reply, chunk.seq);
  }

  async finish(streamId: string, final: StreamFinal): Promise<void> {
    const reply = await this.#run(
      this.#scripts.close(...this.#args(streamId), "final", JSON.stringify(final)),
    );
    this.#check(streamId, reply);
  }

  async fail(streamId: string, failure: StreamFailure): Promise<void> {
    const stored: StreamFailure = { code: failure.code, message: failure.message };
    const reply = await this.#run(
      this.#scripts.close(...this.#args(streamId), "failure", JSON.stringify(stored)),
    );
    this.#check(streamId, reply);
  }

  async read(streamId: string, afterSeq: number): Promise<StreamSnapshot> {
    // One MULTI, so the meta and the entries are of the same moment.
    const results = await this.#run(
      this.#redis
        .multi()
        .hgetall(this.#keys.meta(streamId))
        .xrange(this.#keys.log(streamId), `${Math.max(0, afterSeq) + 1}-0`, "+")
        .exec(),
    );
    const [metaResult, rangeResult] = results ?? [];
    if (metaResult?.[0] || rangeResult?.[0]) throw unavailable(metaResult?.[0] ?? rangeResult?.[0]);
    const meta = (metaResult?.[1] ?? {}) as Record<string, string>;
    const updatedAt = meta.updatedAt;
    if (updatedAt === undefined || this.#clock.now() - Number(updatedAt) > this.#ttlMs) {
      throw streamNotFound(streamId);
    }
    const entries = (rangeResult?.[1] ?? []) as [string, string[]][];
    const chunks: StreamChunk[] = [];
    for (const [id, fields] of entries) {
      // Chunks are `<seq>-0` with field t; the closing entry (`-1`) is read from the meta instead.
      if (!id.endsWith("-0") || fields[0] !== "t") continue;
      chunks.push({ type: "chunk", streamId, seq: Number.parseInt(id, 10), text: fields[1] ?? "" });
    }
    return {
      chunks,
      lastSeq: Number(meta.lastSeq ?? 0),
      ...(meta.final === undefined ? {} : { final: JSON.parse(meta.final) as StreamFinal }),
      ...(meta.failure === undefined ? {} : { failure: JSON.parse(meta.failure) as StreamFailure }),
    };
  }

  /** Calls `listener` for each later write to the stream by any process sharing this Redis. */
  subscribe(streamId: string, listener: (event: StreamLogEvent) => void): () => void {
    return this.#tail.subscribe(streamId, listener);
  }

  async purgeExpired(): Promise<number> {
    this.#lastPurge = this.#clock.now();
    // Scores are updatedAt; an entry is expired when now − updatedAt > ttl.
    const cutoff = this.#lastPurge - this.#ttlMs;
    let purged = 0;
    for (;;) {
      const ids = await this.#run(
        this.#redis.zrangebyscore(this.#keys.index, "-inf", `(${cutoff}`, "LIMIT", 0, PURGE_BATCH),
      );
      if (ids.length === 0) return purged;
      const multi = this.#redis.multi();
      for (const id of ids) multi.del(this.#keys.meta(id), this.#keys.log(id));
      multi.zrem(this.#keys.index, ...ids);
      await this.#run(multi.exec());
      purged += ids.length;
    }
  }

  /** Stops the live tail's connection; the shared command client stays open. */
  async close(): Promise<void> {
    await this.#tail.close();
  }

  /** Turns a script's refusal into the store's errors. */
  #check(streamId: string, [verdict, lastSeq]: ScriptReply, seq?: number): void {
    if (verdict === "NOT_FOUND") throw streamNotFound(streamId);
    if (verdict === "CLOSED") throw streamClosed(streamId);
    if (verdict === "SEQ") throw seqMismatch(streamId, lastSeq, seq ?? 0);
  }

  /** Awaits a Redis command, turning a Redis failure into UNAVAILABLE. */
  async #run<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (err) {
      throw unavailable(err);
    }
  }
}

function unavailable(err: unknown): SynapseError {
  if (err instanceof SynapseError) return err;
  return new SynapseError(
    "UNAVAILABLE",
    `The stream store (Redis) failed: ${(err as Error).message ?? String(err)}; try again.`,
  );
}
