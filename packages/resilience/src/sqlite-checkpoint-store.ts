/**
 * A CheckpointStore in SQLite (better-sqlite3): stream logs survive a gateway restart and live in
 * the same embedded database file as the rest of the state (DESIGN.md, "State").
 *
 * Writes are grouped: the writes of an event-loop turn — a burst of chunks, other streams'
 * chunks — commit together in one transaction in the check phase (setImmediate), except that a
 * stream's first chunk, when it is the turn's first write, commits at once (so it is not held
 * back). A commit, not a row, is what costs: about 35 µs of CPU each (WAL, synchronous
 * NORMAL), so a 77-chunk burst went from about 2.8 ms to 0.2 ms. Nothing is published to readers
 * before its commit, so "stored before sent" holds, and a promise from `append` resolves only once
 * its chunk is stored; `read` gives what is committed. A stream's creation is held until its first write commits, with it: until
 * then nobody outside this process knows the stream id, so there is nothing to recover.
 * better-sqlite3 is synchronous; the async interface leaves room for networked stores.
 */
import { type Clock, type StreamChunk, type StreamFinal, systemClock } from "@synapse/core";
import Database from "better-sqlite3";
import {
  type CheckpointStore,
  type StreamFailure,
  StreamFanout,
  type StreamLogEvent,
  type StreamSnapshot,
  streamExists,
} from "./checkpoint-store.js";
import { type LogWrite, SqliteStreamLog } from "./sqlite-stream-log.js";

export interface SqliteCheckpointStoreOptions {
  /** Database file; ":memory:" for a private in-memory one. Ignored when `database` is given. Defaults to ":memory:". */
  filename?: string;
  /** An open database to share (it stays open on close()). */
  database?: Database.Database;
  /** A log expires this long after its last write, in milliseconds. Defaults to 10 minutes. */
  ttlMs?: number;
  clock?: Clock;
}

interface Queued extends LogWrite {
  resolve: () => void;
  reject: (err: unknown) => void;
}

const ignore = () => {};

export class SqliteCheckpointStore implements CheckpointStore {
  readonly #db: Database.Database;
  readonly #owned: boolean;
  readonly #fanout = new StreamFanout();
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #log: SqliteStreamLog;
  #lastPurge: number;
  /** Writes not committed yet, in order. */
  #queue: Queued[] = [];
  /** Streams created here whose creation is still in the queue. */
  readonly #unsaved = new Set<string>();
  /** Set from a turn's first write until its check phase, while later writes wait in the queue. */
  #window: NodeJS.Immediate | undefined;

  constructor(options: SqliteCheckpointStoreOptions = {}) {
    this.#owned = options.database === undefined;
    this.#db = options.database ?? new Database(options.filename ?? ":memory:");
    if (this.#owned && options.filename !== undefined && options.filename !== ":memory:") {
      // WAL lets readers (resumes) run while a stream is being written; NORMAL sync is durable
      // across a process crash, which is the failure this store exists for.
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL");
    }
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#clock = options.clock ?? systemClock;
    this.#lastPurge = this.#clock.now();
    this.#log = new SqliteStreamLog(this.#db, (row) => this.#clock.now() - row.updated_at > this.#ttlMs);
  }

  async create(streamId: string): Promise<void> {
    // Expired logs are deleted now and then, so the file stays bounded by the TTL's worth of streams.
    if (this.#clock.now() - this.#lastPurge >= this.#ttlMs) await this.purgeExpired();
    if (this.#unsaved.has(streamId) || this.#log.row(streamId) !== undefined) throw streamExists(streamId);
    this.#unsaved.add(streamId);
    this.#queue.push({ streamId, event: undefined, at: this.#clock.now(), resolve: ignore, reject: ignore });
  }

  append(streamId: string, chunk: StreamChunk): Promise<void> {
    const copy: StreamChunk = { type: "chunk", streamId, seq: chunk.seq, text: chunk.text };
    return this.#write(streamId, { type: "chunk", chunk: copy });
  }

  finish(streamId: string, final: StreamFinal): Promise<void> {
    return this.#write(streamId, { type: "final", final });
  }

  fail(streamId: string, failure: StreamFailure): Promise<void> {
    return this.#write(streamId, {
      type: "failure",
      failure: { code: failure.code, message: failure.message },
    });
  }

  /**
   * What is committed. Writes still queued reach a reader through `subscribe` when they commit
   * (openTail subscribes before it reads), so a read never forces an early commit: the stream's
   * first reader would otherwise commit the rest of a burst before it got the first chunk.
   */
  async read(streamId: string, afterSeq: number): Promise<StreamSnapshot> {
    // Created here, its creation still queued: an empty log (not in the file until written).
    if (this.#unsaved.has(streamId)) return { chunks: [], lastSeq: 0 };
    return this.#log.read(streamId, afterSeq);
  }

  subscribe(streamId: string, listener: (event: StreamLogEvent) => void): () => void {
    return this.#fanout.subscribe(streamId, listener);
  }

  async purgeExpired(): Promise<number> {
    this.#flush();
    this.#lastPurge = this.#clock.now();
    return this.#log.purge(this.#lastPurge - this.#ttlMs);
  }

  async close(): Promise<void> {
    if (this.#window !== undefined) clearImmediate(this.#window);
    this.#window = undefined;
    if (this.#db.open) this.#flush();
    if (this.#owned && this.#db.open) this.#db.close();
  }

  /**
   * Queues a write for the turn's check phase; when it is the turn's first write and a stream's
   * first chunk, it commits now. Only the first chunk's time counts (time to first content): a
   * later chunk waits at most for the rest of its turn, and committing it alone would cost every
   * burst of chunks a second commit and a second socket write.
   */
  #write(streamId: string, event: StreamLogEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ streamId, event, at: this.#clock.now(), resolve, reject });
      if (this.#window !== undefined) return;
      this.#window = setImmediate(this.#closeWindow);
      if (event.type === "chunk" && event.chunk.seq === 1) this.#flush();
    });
  }

  readonly #closeWindow = (): void => {
    this.#window = undefined;
    this.#flush();
  };

  /** Commits every queued write in one transaction, then tells readers, then settles the promises. */
  #flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#unsaved.clear();
    try {
      this.#log.commit(batch);
    } catch (err) {
      // The transaction rolled back: nothing of the batch is stored.
      for (const q of batch) q.error = err;
    }
    for (const q of batch) {
      if (q.error !== undefined) {
        q.reject(q.error);
      } else if (q.event !== undefined) {
        this.#fanout.publish(q.streamId, q.event);
        q.resolve();
      }
    }
  }
}
