/**
 * The tables of the SQLite stream log, and the migrations that bring a file written by an earlier
 * version to them when it is opened.
 *
 * What a commit costs is the pages it changes: SQLite appends each changed page to the WAL, with
 * two `pwrite(2)` per page. So every B-tree a commit touches counts, and the tables are laid out
 * for the commits a stream makes: a row in `stream_log` when it starts and when it ends, and a
 * segment in `stream_segment` per commit in between (see sqlite-stream-log.ts).
 *
 * - A stream's chunks are segments: the chunks of one stream that commit together are one row
 *   (their texts as a JSON array), not a row each. A row, not its size, is what costs: a sim
 *   stream is ~80 one-token chunks, and inserting them one by one was the largest part of a commit.
 * - Segments are WITHOUT ROWID, keyed by (stream id, first seq): one B-tree, so one page a commit.
 *   `written_at` comes before `texts`, since a stream's row is read with its last segment's
 *   `last_seq` and `written_at`: a column after the texts may sit on an overflow page.
 * - `stream_log` stays a rowid table (its TEXT key is a second B-tree, one more page when a stream
 *   starts): as WITHOUT ROWID, a seek compares whole rows, and a finished stream's row holds its
 *   final answer (~5 KB for a plan), so every seek read other streams' overflow pages from disk.
 * - No index on `updated_at`: it was there for the purge, which runs once per TTL, and it cost
 *   every creation and every end another page. The purge scans the table instead (bounded by the
 *   TTL's worth of streams, and far cheaper than the deletes it then makes).
 */
import type Database from "better-sqlite3";

const SEGMENT_TABLE = `
CREATE TABLE IF NOT EXISTS stream_segment (
  stream_id TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  written_at INTEGER NOT NULL DEFAULT 0,
  texts TEXT NOT NULL,
  PRIMARY KEY (stream_id, first_seq)
) WITHOUT ROWID`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_log (
  stream_id TEXT PRIMARY KEY,
  updated_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  final TEXT,
  failure TEXT
);
${SEGMENT_TABLE};
DROP INDEX IF EXISTS stream_log_updated_at;
`;

/**
 * Segments from before `written_at` (when the log row was kept current on every commit) are copied
 * as written at 0, so the row's `updated_at` decides, as it did. Copied rather than altered:
 * ALTER TABLE would add the column after `texts`.
 */
const REBUILD_SEGMENTS = `
ALTER TABLE stream_segment RENAME TO stream_segment_old;
${SEGMENT_TABLE};
INSERT INTO stream_segment (stream_id, first_seq, last_seq, texts)
  SELECT stream_id, first_seq, last_seq, texts FROM stream_segment_old;
DROP TABLE stream_segment_old;
`;

/** A file written before segments had a row per chunk: those logs are carried over once. */
const MIGRATE_CHUNKS = `
INSERT OR IGNORE INTO stream_segment (stream_id, first_seq, last_seq, texts)
  SELECT stream_id, seq, seq, json_array(text) FROM stream_chunk;
DROP TABLE stream_chunk;
`;

/** Creates the tables, or brings those of an earlier version to them, in one transaction. */
export function openStreamSchema(db: Database.Database): void {
  db.transaction(() => {
    const columns = db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('stream_segment')")
      .all();
    if (columns.length > 0 && !columns.some((c) => c.name === "written_at")) db.exec(REBUILD_SEGMENTS);
    db.exec(SCHEMA);
    const old = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stream_chunk'");
    if (old.get() !== undefined) db.exec(MIGRATE_CHUNKS);
  })();
}
