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
 * - Both tables are WITHOUT ROWID, keyed by stream id: a rowid table with a TEXT primary key is two
 *   B-trees (the rows and the key's index), so a stream's creation changed one page more.
 * - No index on `updated_at`: it was there for the purge, which runs once per TTL, and it cost
 *   every creation and every end another page. The purge scans the table instead (bounded by the
 *   TTL's worth of streams, and far cheaper than the deletes it then makes).
 */
import type Database from "better-sqlite3";

const LOG_TABLE = `
CREATE TABLE IF NOT EXISTS stream_log (
  stream_id TEXT PRIMARY KEY,
  updated_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  final TEXT,
  failure TEXT
) WITHOUT ROWID`;

const SCHEMA = `
${LOG_TABLE};
CREATE TABLE IF NOT EXISTS stream_segment (
  stream_id TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  texts TEXT NOT NULL,
  written_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (stream_id, first_seq)
) WITHOUT ROWID;
DROP INDEX IF EXISTS stream_log_updated_at;
`;

/** A `stream_log` from before WITHOUT ROWID is copied into a new one. */
const REBUILD_LOG = `
ALTER TABLE stream_log RENAME TO stream_log_rowid;
${LOG_TABLE};
INSERT INTO stream_log (stream_id, updated_at, last_seq, final, failure)
  SELECT stream_id, updated_at, last_seq, final, failure FROM stream_log_rowid;
DROP TABLE stream_log_rowid;
`;

/**
 * A file from before `written_at` kept the log row current on every commit: its segments read as
 * written at 0, so the row's `updated_at` decides, as it did.
 */
const ADD_WRITTEN_AT = "ALTER TABLE stream_segment ADD COLUMN written_at INTEGER NOT NULL DEFAULT 0";

/** A file written before segments had a row per chunk: those logs are carried over once. */
const MIGRATE_CHUNKS = `
INSERT OR IGNORE INTO stream_segment (stream_id, first_seq, last_seq, texts)
  SELECT stream_id, seq, seq, json_array(text) FROM stream_chunk;
DROP TABLE stream_chunk;
`;

/** Creates the tables, or brings those of an earlier version to them, in one transaction. */
export function openStreamSchema(db: Database.Database): void {
  db.transaction(() => {
    const logSql = db
      .prepare<[], { sql: string }>(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stream_log'",
      )
      .get()?.sql;
    if (logSql !== undefined && !/WITHOUT\s+ROWID/i.test(logSql)) db.exec(REBUILD_LOG);
    db.exec(SCHEMA);
    const columns = db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('stream_segment')")
      .all();
    if (!columns.some((c) => c.name === "written_at")) db.exec(ADD_WRITTEN_AT);
    const old = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stream_chunk'");
    if (old.get() !== undefined) db.exec(MIGRATE_CHUNKS);
  })();
}
