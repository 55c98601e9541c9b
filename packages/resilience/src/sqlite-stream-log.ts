/**
 * The SQL side of the SQLite checkpoint store: the schema, the prepared statements, and the one
 * transaction that commits a batch of writes (stream creations, chunks, closings), checking each
 * against the log as it stands — seq order, not closed, not expired — so a bad write is refused
 * alone and the others of its batch still commit.
 */
import type { StreamChunk } from "@synapse/core";
import type Database from "better-sqlite3";
import {
  type StreamLogEvent,
  type StreamSnapshot,
  seqMismatch,
  streamClosed,
  streamNotFound,
} from "./checkpoint-store.js";

export interface LogRow {
  updated_at: number;
  last_seq: number;
  final: string | null;
  failure: string | null;
}

/** One write waiting for its commit. `event` undefined is the stream's creation. */
export interface LogWrite {
  streamId: string;
  event: StreamLogEvent | undefined;
  /** When it was asked for, in epoch milliseconds (the log's updated_at). */
  at: number;
  /** Set by the commit when this write was refused. */
  error?: unknown;
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

/** Where a stream stands within a batch being committed. */
interface Cursor {
  lastSeq: number;
  closed: boolean;
  /** The last write to it, whose time becomes the log's updated_at. */
  at: number;
  /** Chunks added in this batch (last_seq to update). */
  grew: boolean;
}

export class SqliteStreamLog {
  readonly #sql;
  readonly #expired: (row: LogRow) => boolean;
  /** Commits a batch in one transaction; built once (better-sqlite3 wraps a function per call otherwise). */
  readonly commit: (writes: readonly LogWrite[]) => void;
  readonly #read: (streamId: string, afterSeq: number) => StreamSnapshot;
  readonly #purge: (cutoff: number) => number;

  /** `expired` says whether a log row is past its TTL now. */
  constructor(db: Database.Database, expired: (row: LogRow) => boolean) {
    db.exec(SCHEMA);
    this.#expired = expired;
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
    this.commit = db.transaction((writes: readonly LogWrite[]) => this.#apply(writes));
    this.#read = db.transaction((streamId: string, afterSeq: number) => this.#snapshot(streamId, afterSeq));
    this.#purge = db.transaction((cutoff: number) => {
      this.#sql.purgeChunks.run(cutoff);
      return this.#sql.purgeLogs.run(cutoff).changes;
    });
  }

  /** The live row of a stream; undefined when missing or expired. */
  row(streamId: string): LogRow | undefined {
    const row = this.#sql.log.get(streamId);
    return row === undefined || this.#expired(row) ? undefined : row;
  }

  read(streamId: string, afterSeq: number): StreamSnapshot {
    return this.#read(streamId, afterSeq);
  }

  /** Deletes the logs last written before `cutoff` (epoch ms); returns how many went. */
  purge(cutoff: number): number {
    return this.#purge(cutoff);
  }

  #apply(writes: readonly LogWrite[]): void {
    const cursors = new Map<string, Cursor>();
    for (const write of writes) {
      try {
        const cursor = this.#write(write, cursors.get(write.streamId));
        cursors.set(write.streamId, cursor);
      } catch (err) {
        write.error = err;
      }
    }
    for (const [streamId, c] of cursors) if (c.grew) this.#sql.advance.run(c.lastSeq, c.at, streamId);
  }

  /** Applies one write; throws (leaving the database as it was) when it is refused. */
  #write(write: LogWrite, known: Cursor | undefined): Cursor {
    const { streamId, event, at } = write;
    if (event === undefined) {
      // A log of this id that expired but was not purged yet is replaced.
      if (this.#sql.log.get(streamId) !== undefined) {
        this.#sql.deleteChunks.run(streamId);
        this.#sql.deleteLog.run(streamId);
      }
      this.#sql.insertLog.run(streamId, at);
      return { lastSeq: 0, closed: false, at, grew: false };
    }
    const cursor = known ?? this.#cursor(streamId);
    if (cursor.closed) throw streamClosed(streamId);
    if (event.type === "chunk") {
      const { seq, text } = event.chunk;
      if (seq !== cursor.lastSeq + 1) throw seqMismatch(streamId, cursor.lastSeq, seq);
      this.#sql.insertChunk.run(streamId, seq, text);
      return { lastSeq: seq, closed: false, at, grew: true };
    }
    const final = event.type === "final" ? JSON.stringify(event.final) : null;
    const failure = event.type === "failure" ? JSON.stringify(event.failure) : null;
    this.#sql.close.run(final, failure, at, streamId);
    return { ...cursor, closed: true, at };
  }

  #cursor(streamId: string): Cursor {
    const row = this.row(streamId);
    if (row === undefined) throw streamNotFound(streamId);
    const closed = row.final !== null || row.failure !== null;
    return { lastSeq: row.last_seq, closed, at: row.updated_at, grew: false };
  }

  #snapshot(streamId: string, afterSeq: number): StreamSnapshot {
    const row = this.row(streamId);
    if (row === undefined) throw streamNotFound(streamId);
    const chunks = this.#sql.chunks
      .all(streamId, afterSeq)
      .map((c): StreamChunk => ({ type: "chunk", streamId, seq: c.seq, text: c.text }));
    return {
      chunks,
      lastSeq: row.last_seq,
      ...(row.final === null ? {} : { final: JSON.parse(row.final) }),
      ...(row.failure === null ? {} : { failure: JSON.parse(row.failure) }),
    };
  }
}
