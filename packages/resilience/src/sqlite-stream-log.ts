/**
 * The SQL side of the SQLite checkpoint store: the prepared statements, and the one
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
import { openStreamSchema } from "./sqlite-stream-schema.js";

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

/**
 * A stream's row, with its last seq and last write time taken from its last segment when that is
 * later. A commit in the middle of a stream writes its segment and nothing else (the segment
 * carries its last seq and `written_at`); the log row is written when the stream is created and
 * when it ends. Updating the row's `last_seq` and `updated_at` on every commit touched two more
 * B-trees (the row and its `updated_at` index): 3–4 WAL pages a commit instead of 1. Expiry,
 * purge, resume and restart read the same values as before. `max(a, b)` is SQLite's scalar max.
 */
const ROW = `
SELECT max(l.updated_at, coalesce(s.written_at, 0)) AS updated_at,
       max(l.last_seq, coalesce(s.last_seq, 0)) AS last_seq, l.final, l.failure
FROM stream_log l LEFT JOIN stream_segment s ON s.stream_id = l.stream_id
  AND s.first_seq = (SELECT max(first_seq) FROM stream_segment WHERE stream_id = l.stream_id)
WHERE l.stream_id = ?`;

/** The streams whose last write (row or segment) is before `@cutoff`. */
const STALE = `
SELECT stream_id FROM stream_log l WHERE updated_at < @cutoff AND NOT EXISTS
  (SELECT 1 FROM stream_segment s WHERE s.stream_id = l.stream_id AND s.written_at >= @cutoff)`;

/** Where a stream stands within a batch being committed. */
interface Cursor {
  lastSeq: number;
  closed: boolean;
  /** The last write to it, whose time becomes the log's updated_at. */
  at: number;
  /** The seq of the first chunk added in this batch (0 when none): its segment's first_seq. */
  firstSeq: number;
  /** The texts of the chunks added in this batch, in order. */
  texts: string[];
}

export class SqliteStreamLog {
  readonly #sql;
  readonly #expired: (row: LogRow) => boolean;
  /** Commits a batch in one transaction; built once (better-sqlite3 wraps a function per call otherwise). */
  readonly commit: (writes: readonly LogWrite[]) => void;
  readonly #read: (streamId: string, afterSeq: number) => StreamSnapshot;
  readonly #purge: (cutoff: number) => number;
  /**
   * Where each stream written here and not ended stands after its last commit: the next batch
   * checks its writes against this instead of reading the stream's row and last segment back. A
   * stream is written only by the process that created it; one not here (after a restart) is read
   * from the file. Entries go when their stream ends or is purged, so this holds at most the TTL's
   * worth of streams, like the file.
   */
  readonly #open = new Map<string, { lastSeq: number; at: number }>();

  /** `expired` says whether a log row is past its TTL now. */
  constructor(db: Database.Database, expired: (row: LogRow) => boolean) {
    openStreamSchema(db);
    this.#expired = expired;
    this.#sql = {
      log: db.prepare<[string], LogRow>(ROW),
      exists: db.prepare<[string]>("SELECT 1 FROM stream_log WHERE stream_id = ?"),
      insertLog: db.prepare<[string, number]>("INSERT INTO stream_log (stream_id, updated_at) VALUES (?, ?)"),
      deleteLog: db.prepare<[string]>("DELETE FROM stream_log WHERE stream_id = ?"),
      deleteChunks: db.prepare<[string]>("DELETE FROM stream_segment WHERE stream_id = ?"),
      insertSegment: db.prepare<[string, number, number, string, number]>(
        "INSERT INTO stream_segment (stream_id, first_seq, last_seq, texts, written_at) VALUES (?, ?, ?, ?, ?)",
      ),
      close: db.prepare<[number, string | null, string | null, number, string]>(
        "UPDATE stream_log SET last_seq = ?, final = ?, failure = ?, updated_at = ? WHERE stream_id = ?",
      ),
      segments: db.prepare<[string, number], { first_seq: number; texts: string }>(
        "SELECT first_seq, texts FROM stream_segment WHERE stream_id = ? AND last_seq > ? ORDER BY first_seq",
      ),
      // Segments first: the logs' NOT EXISTS then still sees the fresh segments it must keep.
      purgeChunks: db.prepare<[{ cutoff: number }]>(
        `DELETE FROM stream_segment WHERE stream_id IN (${STALE})`,
      ),
      purgeLogs: db.prepare<[{ cutoff: number }]>(`DELETE FROM stream_log WHERE stream_id IN (${STALE})`),
    };
    const commit = db.transaction((writes: readonly LogWrite[]) => this.#apply(writes));
    this.commit = (writes) => {
      // Only once the transaction committed: a rolled-back batch leaves the streams where they were.
      for (const [streamId, c] of commit(writes)) {
        if (c.closed) this.#open.delete(streamId);
        else this.#open.set(streamId, { lastSeq: c.lastSeq, at: c.at });
      }
    };
    this.#read = db.transaction((streamId: string, afterSeq: number) => this.#snapshot(streamId, afterSeq));
    this.#purge = db.transaction((cutoff: number) => {
      this.#sql.purgeChunks.run({ cutoff });
      return this.#sql.purgeLogs.run({ cutoff }).changes;
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
    const purged = this.#purge(cutoff);
    for (const [streamId, open] of this.#open) if (open.at < cutoff) this.#open.delete(streamId);
    return purged;
  }

  /** Applies a batch in the open transaction; returns where each stream it wrote stands. */
  #apply(writes: readonly LogWrite[]): Map<string, Cursor> {
    const cursors = new Map<string, Cursor>();
    for (const write of writes) {
      try {
        const cursor = this.#write(write, cursors.get(write.streamId));
        cursors.set(write.streamId, cursor);
      } catch (err) {
        write.error = err;
      }
    }
    for (const [streamId, c] of cursors) {
      if (c.texts.length === 0) continue;
      this.#sql.insertSegment.run(streamId, c.firstSeq, c.lastSeq, JSON.stringify(c.texts), c.at);
    }
    return cursors;
  }

  /** Applies one write; throws (leaving the database as it was) when it is refused. */
  #write(write: LogWrite, known: Cursor | undefined): Cursor {
    const { streamId, event, at } = write;
    if (event === undefined) {
      // A log of this id that expired but was not purged yet is replaced.
      if (this.#sql.exists.get(streamId) !== undefined) {
        this.#sql.deleteChunks.run(streamId);
        this.#sql.deleteLog.run(streamId);
      }
      this.#sql.insertLog.run(streamId, at);
      return { lastSeq: 0, closed: false, at, firstSeq: 0, texts: [] };
    }
    const cursor = known ?? this.#cursor(streamId);
    if (cursor.closed) throw streamClosed(streamId);
    if (event.type === "chunk") {
      const { seq, text } = event.chunk;
      if (seq !== cursor.lastSeq + 1) throw seqMismatch(streamId, cursor.lastSeq, seq);
      // Stored with the batch's other chunks of this stream, as one segment, when the batch ends.
      cursor.texts.push(text);
      if (cursor.firstSeq === 0) cursor.firstSeq = seq;
      cursor.lastSeq = seq;
      cursor.at = at;
      return cursor;
    }
    const final = event.type === "final" ? JSON.stringify(event.final) : null;
    const failure = event.type === "failure" ? JSON.stringify(event.failure) : null;
    this.#sql.close.run(cursor.lastSeq, final, failure, at, streamId);
    return { ...cursor, closed: true, at };
  }

  #cursor(streamId: string): Cursor {
    const open = this.#open.get(streamId);
    if (open !== undefined) {
      const { lastSeq, at } = open;
      if (!this.#expired({ updated_at: at, last_seq: lastSeq, final: null, failure: null })) {
        return { lastSeq, closed: false, at, firstSeq: 0, texts: [] };
      }
      this.#open.delete(streamId);
      throw streamNotFound(streamId);
    }
    const row = this.row(streamId);
    if (row === undefined) throw streamNotFound(streamId);
    const closed = row.final !== null || row.failure !== null;
    return { lastSeq: row.last_seq, closed, at: row.updated_at, firstSeq: 0, texts: [] };
  }

  #snapshot(streamId: string, afterSeq: number): StreamSnapshot {
    const row = this.row(streamId);
    if (row === undefined) throw streamNotFound(streamId);
    const chunks: StreamChunk[] = [];
    for (const segment of this.#sql.segments.all(streamId, afterSeq)) {
      const texts = JSON.parse(segment.texts) as string[];
      for (let i = Math.max(0, afterSeq + 1 - segment.first_seq); i < texts.length; i++) {
        chunks.push({ type: "chunk", streamId, seq: segment.first_seq + i, text: texts[i] as string });
      }
    }
    return {
      chunks,
      lastSeq: row.last_seq,
      ...(row.final === null ? {} : { final: JSON.parse(row.final) }),
      ...(row.failure === null ? {} : { failure: JSON.parse(row.failure) }),
    };
  }
}
