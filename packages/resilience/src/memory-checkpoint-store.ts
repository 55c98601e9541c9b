/** A CheckpointStore in this process's memory: for tests and a single gateway without a data dir. */
import { type Clock, type StreamChunk, type StreamFinal, systemClock } from "@synapse/core";
import {
  type CheckpointStore,
  type StreamFailure,
  StreamFanout,
  type StreamLogEvent,
  type StreamSnapshot,
  seqMismatch,
  streamClosed,
  streamExists,
  streamNotFound,
} from "./checkpoint-store.js";

interface Log {
  chunks: StreamChunk[];
  final?: StreamFinal;
  failure?: StreamFailure;
  updatedAt: number;
}

export interface MemoryCheckpointStoreOptions {
  /** A log expires this long after its last write, in milliseconds. Defaults to 10 minutes. */
  ttlMs?: number;
  clock?: Clock;
}

export class MemoryCheckpointStore implements CheckpointStore {
  readonly #logs = new Map<string, Log>();
  readonly #fanout = new StreamFanout();
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #lastPurge: number;

  constructor(options: MemoryCheckpointStoreOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#clock = options.clock ?? systemClock;
    this.#lastPurge = this.#clock.now();
  }

  #live(streamId: string): Log {
    const log = this.#logs.get(streamId);
    if (log === undefined) throw streamNotFound(streamId);
    if (this.#clock.now() - log.updatedAt > this.#ttlMs) {
      this.#logs.delete(streamId);
      throw streamNotFound(streamId);
    }
    return log;
  }

  #open(streamId: string): Log {
    const log = this.#live(streamId);
    if (log.final !== undefined || log.failure !== undefined) throw streamClosed(streamId);
    return log;
  }

  #write(streamId: string, log: Log, event: StreamLogEvent): void {
    log.updatedAt = this.#clock.now();
    this.#fanout.publish(streamId, event);
  }

  async create(streamId: string): Promise<void> {
    const now = this.#clock.now();
    // Expired logs are dropped now and then, so memory stays bounded by the TTL's worth of streams.
    if (now - this.#lastPurge >= this.#ttlMs) await this.purgeExpired();
    const existing = this.#logs.get(streamId);
    if (existing !== undefined && now - existing.updatedAt <= this.#ttlMs) throw streamExists(streamId);
    this.#logs.set(streamId, { chunks: [], updatedAt: now });
  }

  async append(streamId: string, chunk: StreamChunk): Promise<void> {
    const log = this.#open(streamId);
    if (chunk.seq !== log.chunks.length + 1) throw seqMismatch(streamId, log.chunks.length, chunk.seq);
    const copy: StreamChunk = { type: "chunk", streamId, seq: chunk.seq, text: chunk.text };
    log.chunks.push(copy);
    this.#write(streamId, log, { type: "chunk", chunk: copy });
  }

  async finish(streamId: string, final: StreamFinal): Promise<void> {
    const log = this.#open(streamId);
    log.final = final;
    this.#write(streamId, log, { type: "final", final });
  }

  async fail(streamId: string, failure: StreamFailure): Promise<void> {
    const log = this.#open(streamId);
    log.failure = { code: failure.code, message: failure.message };
    this.#write(streamId, log, { type: "failure", failure: log.failure });
  }

  async read(streamId: string, afterSeq: number): Promise<StreamSnapshot> {
    const log = this.#live(streamId);
    return {
      // seq n sits at index n − 1, so the chunks after `afterSeq` start at index afterSeq.
      chunks: log.chunks.slice(Math.max(0, afterSeq)),
      lastSeq: log.chunks.length,
      ...(log.final === undefined ? {} : { final: log.final }),
      ...(log.failure === undefined ? {} : { failure: log.failure }),
    };
  }

  subscribe(streamId: string, listener: (event: StreamLogEvent) => void): () => void {
    return this.#fanout.subscribe(streamId, listener);
  }

  async purgeExpired(): Promise<number> {
    const now = this.#clock.now();
    this.#lastPurge = now;
    let purged = 0;
    for (const [id, log] of this.#logs) {
      if (now - log.updatedAt > this.#ttlMs) {
        this.#logs.delete(id);
        purged++;
      }
    }
    return purged;
  }

  async close(): Promise<void> {
    this.#logs.clear();
  }
}
