/**
 * The SQLite stream log writes a stream's log row when the stream starts and when it ends; a
 * commit in between writes its segment and nothing else. Expiry, purge, resume and restart still
 * see a stream's last write and last seq, now taken from its last segment when that is later.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FakeClock, type StreamChunk, type StreamFinal } from "@synapse/core";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "../src/index.js";
import { chunkText } from "./helpers/fakes.js";

const TTL = 60_000;
const chunk = (streamId: string, seq: number): StreamChunk => ({
  type: "chunk",
  streamId,
  seq,
  text: chunkText(seq),
});
const final = (streamId: string, lastSeq: number) =>
  ({ type: "final", streamId, lastSeq, hash: "h" }) as StreamFinal;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("SQLite stream log: mid-stream commits write their segment only", () => {
  const dir = mkdtempSync(join(tmpdir(), "synapse-stream-log-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("each commit adds to the WAL only the pages it must: 3 to start, 1 mid-stream, 1 to end", async () => {
    const filename = join(dir, "wal.db");
    const store = new SqliteCheckpointStore({ filename });
    const reader = new Database(filename, { readonly: true });
    const frame = (reader.pragma("page_size", { simple: true }) as number) + 24; // a WAL frame: header and page
    reader.close();
    const walSize = () => (existsSync(`${filename}-wal`) ? statSync(`${filename}-wal`).size : 0);
    const frames = async (write: () => Promise<void>) => {
      const before = walSize();
      await write();
      return (walSize() - before) / frame;
    };
    await store.create("s_wal");
    assert.equal(
      await frames(() => store.append("s_wal", chunk("s_wal", 1))),
      3,
      "the log row, its key's index and a segment",
    );
    for (let seq = 2; seq <= 6; seq++) {
      await nextTurn();
      assert.equal(
        await frames(() => store.append("s_wal", chunk("s_wal", seq))),
        1,
        `the segment of ${seq}`,
      );
    }
    await nextTurn();
    assert.equal(await frames(() => store.finish("s_wal", final("s_wal", 6))), 1, "the log row");
    const reopened = new SqliteCheckpointStore({ filename });
    const snap = await reopened.read("s_wal", 0);
    assert.deepEqual([snap.chunks.length, snap.lastSeq, snap.final?.hash], [6, 6, "h"]);
    await store.close();
    await reopened.close();
  });

  test("a stream written to within its TTL stays, though its row was written longer ago; then it expires", async () => {
    const clock = new FakeClock();
    const db = new Database(":memory:");
    const store = new SqliteCheckpointStore({ database: db, clock, ttlMs: TTL });
    await store.create("s_live");
    await store.append("s_live", chunk("s_live", 1));
    clock.advance(TTL - 1);
    await store.append("s_live", chunk("s_live", 2));
    clock.advance(2); // past the row's TTL, within the last segment's
    assert.equal(await store.purgeExpired(), 0, "a stream still being written is not purged");
    assert.equal((await store.read("s_live", 0)).lastSeq, 2);
    await store.append("s_live", chunk("s_live", 3));
    clock.advance(TTL + 1);
    await assert.rejects(store.read("s_live", 0), /unknown or expired/);
    await assert.rejects(store.append("s_live", chunk("s_live", 4)), /unknown or expired/);
    assert.equal(await store.purgeExpired(), 1);
    const left = db.prepare("SELECT count(*) AS n FROM stream_segment").get() as { n: number };
    assert.equal(left.n, 0, "its segments went with it");
    await store.close();
    db.close();
  });

  test("after a restart mid-stream the log goes on from its last stored chunk; closing records it in the row", async () => {
    const filename = join(dir, "restart.db");
    const first = new SqliteCheckpointStore({ filename });
    await first.create("s_r");
    for (let seq = 1; seq <= 3; seq++) {
      await first.append("s_r", chunk("s_r", seq));
      await nextTurn();
    }
    await first.close();
    const second = new SqliteCheckpointStore({ filename });
    assert.equal((await second.read("s_r", 0)).lastSeq, 3);
    await assert.rejects(second.append("s_r", chunk("s_r", 5)), /does not follow 3/);
    await second.append("s_r", chunk("s_r", 4));
    await second.finish("s_r", final("s_r", 4));
    await assert.rejects(second.append("s_r", chunk("s_r", 5)), /already ended/);
    await second.close();
    const db = new Database(filename, { readonly: true });
    assert.deepEqual(db.prepare("SELECT last_seq FROM stream_log WHERE stream_id = 's_r'").get(), {
      last_seq: 4,
    });
    db.close();
  });

  test("a file of the previous layout is migrated and reads as it did: the row decides, kept as is", async () => {
    const filename = join(dir, "old-segments.db");
    const db = new Database(filename);
    db.exec(`
      CREATE TABLE stream_log (stream_id TEXT PRIMARY KEY, updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0, final TEXT, failure TEXT);
      CREATE TABLE stream_segment (stream_id TEXT NOT NULL, first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL, texts TEXT NOT NULL, PRIMARY KEY (stream_id, first_seq)) WITHOUT ROWID;
      CREATE INDEX stream_log_updated_at ON stream_log (updated_at);
    `);
    const clock = new FakeClock();
    db.prepare("INSERT INTO stream_log (stream_id, updated_at, last_seq) VALUES ('s_o', ?, 2)").run(
      clock.now(),
    );
    db.prepare("INSERT INTO stream_segment VALUES ('s_o', 1, 2, ?)").run(
      JSON.stringify([chunkText(1), chunkText(2)]),
    );
    db.close();
    const store = new SqliteCheckpointStore({ filename, clock, ttlMs: TTL });
    assert.equal((await store.read("s_o", 0)).lastSeq, 2);
    await store.append("s_o", chunk("s_o", 3));
    assert.deepEqual(
      (await store.read("s_o", 1)).chunks.map((c) => c.seq),
      [2, 3],
    );
    clock.advance(TTL + 1);
    assert.equal(await store.purgeExpired(), 1);
    await store.close();
    const after = new Database(filename, { readonly: true });
    const schema = after.prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'stream_log'").all();
    const columns = after.prepare("SELECT name FROM pragma_table_info('stream_segment')").all();
    after.close();
    // Read with every row lookup, written_at must not sit after the texts (an overflow page away).
    assert.deepEqual(
      columns.map((c) => (c as { name: string }).name),
      ["stream_id", "first_seq", "last_seq", "written_at", "texts"],
    );
    assert.deepEqual(
      schema.map((t) => (t as { name: string }).name).sort(),
      ["sqlite_autoindex_stream_log_1", "stream_log"],
      "the updated_at index is gone",
    );
  });
});
