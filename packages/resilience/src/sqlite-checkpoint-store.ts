/**
 * A CheckpointStore in SQLite (better-sqlite3): stream logs survive a gateway restart and live in
 * the same embedded database file as the rest of the state (DESIGN.md, "State"). Each write is one
 * short transaction that also checks the seq order, so two writers cannot interleave a gap.
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
  seqMismatch,
  streamClosed,
  streamExists,
  streamNotFound,
} from "./checkpoint-store.js";

export interface SqliteCheckpointStoreOptions {
  /** Database file; ":memory:" for a private in-memory one. Ignored when `database` is given. Defaults to ":memory:". */
  filename?: string;
  /** An open database to share (it stays open on close()). */
  database?: Database.Database;
  /** A log expires this long after its last write, in milliseconds. Defaults to 10 minutes. */
  ttlMs?: number;
  clock?: Clock;
}

interface LogRow {
  updated_at: number;
  last_seq: number;
  final: string | null;
  failure: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_log (
  stream_id TEXT PRIMARY KEY,
  updated_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  final TEXT,
  failure TEXT
);
CREATE TABLE IF NOT EXISTS stream_chunk (
  stream_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (stream_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stream_log_updated_at ON stream_log (updated_at);
`;

export class SqliteCheckpointStore implements CheckpointStore {
  readonly #db: Database.Database;
  readonly #owned: boolean;
  readonly #fanout = new StreamFanout();
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #sql;
  #lastPurge: number;

  constructor(options: SqliteCheckpointStoreOptions = {}) {
    this.#owned = options.database === undefined;
    this.#db = options.database ?? new Database(options.filename ?? ":memory:");
    if (this.#owned && options.filename !== undefined && options.filename !== ":memory:") {
      // WAL lets readers (resumes) run while a stream is being written; NORMAL sync is durable
      // across a process crash, which is the failure this store exists for.
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL");
    }
    this.#db.exec(SCHEMA);
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#clock = options.clock ?? systemClock;
    this.#lastPurge = this.#clock.now();
    const db = this.#db;
    this.#sql = {
      log: db.prepare<[string], LogRow>(
        "SELECT updated_at, last_seq, final, failure FROM stream_log WHERE stream_id = ?",
      ),
      insertLog: db.prepare<[string, number]>("INSERT INTO stream_log (stream_id, updated_at) VALUES (?, ?)"),
      deleteLog: db.prepare<[string]>("DELETE FROM stream_log WHERE stream_id = ?"),
      deleteChunks: db.prepare<[string]>("DELETE FROM stream_chunk WHERE stream_id = ?"),
      insertChunk: db.prepare<[string, number, string]>(
        "INSERT INTO stream_chunk (stream_id, seq, text) VALUES (?, ?, ?)",
      ),
      advance: db.prepare<[number, number, string]>(
        "UPDATE stream_log SET last_seq = ?, updated_at = ? WHERE stream_id = ?",
      ),
      close: db.prepare<[string | null, string | null, number, string]>(
        "UPDATE stream_log SET final = ?, failure = ?, updated_at = ? WHERE stream_id = ?",
      ),
      chunks: db.prepare<[string, number], { seq: number; text: string }>(
        "SELECT seq, text FROM stream_chunk WHERE stream_id = ? AND seq > ? ORDER BY seq",
      ),
      purgeChunks: db.prepare<[number]>(
        "DELETE FROM stream_chunk WHERE stream_id IN (SELECT stream_id FROM stream_log WHERE updated_at < ?)",
      ),
      purgeLogs: db.prepare<[number]>("DELETE FROM stream_log WHERE updated_at < ?"),
    };
  }

  #expired(row: LogRow, now: number): boolean {
    return now - row.updated_at > this.#ttlMs;
  }

  /** The live row of a stream (NOT_FOUND when missing or expired); `open` also requires it not closed. */
  #row(streamId: string, open: boolean): LogRow {
    const row = this.#sql.log.get(streamId);
    if (row === undefined || this.#expired(row, this.#clock.now())) throw streamNotFound(streamId);
    if (open && (row.final !== null || row.failure !== null)) throw streamClosed(streamId);
    return row;
  }

  async create(streamId: string): Promise<void> {
    // Expired logs are deleted now and then, so the file stays bounded by the TTL's worth of streams.
    if (this.#clock.now() - this.#lastPurge >= this.#ttlMs) await this.purgeExpired();
    this.#db.transaction(() => {
      const now = this.#clock.now();
      const row = this.#sql.log.get(streamId);
      if (row !== undefined && !this.#expired(row, now)) throw streamExists(streamId);
      if (row !== undefined) {
        this.#sql.deleteChunks.run(streamId);
        this.#sql.deleteLog.run(streamId);
      }
      this.#sql.insertLog.run(streamId, now);
    })();
  }

  async append(streamId: string, chunk: StreamChunk): Promise<void> {
    this.#db.transaction(() => {
      const row = this.#row(streamId, true);
      if (chunk.seq !== row.last_seq + 1) throw seqMismatch(streamId, row.last_seq, chunk.seq);
      this.#sql.insertChunk.run(streamId, chunk.seq, chunk.text);
      this.#sql.advance.run(chunk.seq, this.#clock.now(), streamId);
    })();
    this.#fanout.publish(streamId, {
      type: "chunk",
      chunk: { type: "chunk", streamId, seq: chunk.seq, text: chunk.text },
    });
  }

  async finish(streamId: string, final: StreamFinal): Promise<void> {
    this.#db.transaction(() => {
      this.#row(streamId, true);
      this.#sql.close.run(JSON.stringify(final), null, this.#clock.now(), streamId);
    })();
    this.#fanout.publish(streamId, { type: "final", final });
  }

  async fail(streamId: string, failure: StreamFailure): Promise<void> {
    const stored: StreamFailure = { code: failure.code, message: failure.message };
    this.#db.transaction(() => {
      this.#row(streamId, true);
      this.#sql.close.run(null, JSON.stringify(stored), this.#clock.now(), streamId);
    })();
    this.#fanout.publish(streamId, { type: "failure", failure: stored });
  }

  async read(streamId: string, afterSeq: number): Promise<StreamSnapshot> {
    return this.#db.transaction(() => {
      const row = this.#row(streamId, false);
      const chunks = this.#sql.chunks
        .all(streamId, afterSeq)
        .map((c): StreamChunk => ({ type: "chunk", streamId, seq: c.seq, text: c.text }));
      return {
        chunks,
        lastSeq: row.last_seq,
        ...(row.final === null ? {} : { final: JSON.parse(row.final) as StreamFinal }),
        ...(row.failure === null ? {} : { failure: JSON.parse(row.failure) as StreamFailure }),
      };
    })();
  }

  subscribe(streamId: string, listener: (event: StreamLogEvent) => void): () => void {
    return this.#fanout.subscribe(streamId, listener);
  }

  async purgeExpired(): Promise<number> {
    this.#lastPurge = this.#clock.now();
    const cutoff = this.#lastPurge - this.#ttlMs;
    return this.#db.transaction(() => {
      this.#sql.purgeChunks.run(cutoff);
      return this.#sql.purgeLogs.run(cutoff).changes;
    })();
  }

  async close(): Promise<void> {
    if (this.#owned && this.#db.open) this.#db.close();
  }
}
