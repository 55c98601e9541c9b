/**
 * Grouped checkpoint writes: the SQLite store commits the first write of a turn at once and the
 * rest of the turn together at its check phase, and holds a stream's creation until its first
 * write; the checkpointer hands chunks to the store without waiting for each write, and goes back
 * to the last stored chunk when a write fails.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  FakeClock,
  flushMicrotasks,
  type StreamChunk,
  type StreamEvent,
  type StreamFinal,
  SynapseError,
} from "@synapse/core";
import Database from "better-sqlite3";
import {
  type CheckpointStore,
  type ContinuationEvent,
  MemoryCheckpointStore,
  ResilienceEvents,
  resolveOptions,
  SqliteCheckpointStore,
  StreamCheckpointer,
  type StreamFailure,
  type StreamLogEvent,
} from "../src/index.js";
import { assertWhole } from "./helpers/checkpoint-suite.js";
import {
  chunkText,
  collect,
  deferred,
  fakeNext,
  fullText,
  request,
  simStream,
  streaming,
} from "./helpers/fakes.js";

const chunk = (streamId: string, seq: number): StreamChunk => ({
  type: "chunk",
  streamId,
  seq,
  text: chunkText(seq),
});

/** Stored chunks (a segment row holds the chunks that committed together), or log rows. */
function count(db: Database.Database, what: "chunks" | "stream_log"): number {
  const sql =
    what === "chunks"
      ? "SELECT coalesce(sum(last_seq - first_seq + 1), 0) AS n FROM stream_segment"
      : "SELECT count(*) AS n FROM stream_log";
  return (db.prepare(sql).get() as { n: number }).n;
}

describe("SQLite checkpoint store: grouped commits", () => {
  const dir = mkdtempSync(join(tmpdir(), "synapse-ckpt-batch-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the first write of a turn commits at once, the rest of the turn together at its check phase", async () => {
    const db = new Database(":memory:");
    const store = new SqliteCheckpointStore({ database: db });
    await store.create("s1");
    const published: number[] = [];
    store.subscribe("s1", (e) => {
      if (e.type === "chunk") published.push(e.chunk.seq);
    });
    const writes = [1, 2, 3, 4].map((seq) => store.append("s1", chunk("s1", seq)));
    assert.equal(count(db, "chunks"), 1, "the first chunk is stored at once");
    assert.deepEqual(published, [1], "and only it reaches readers");
    assert.deepEqual(
      (await store.read("s1", 0)).chunks.map((c) => c.seq),
      [1],
      "a read gives what is committed",
    );
    assert.equal(count(db, "chunks"), 1, "and does not commit the others early");
    await writes[1];
    assert.equal(count(db, "chunks"), 4, "the others are stored before their promises resolve");
    assert.deepEqual(published, [1, 2, 3, 4]);
    await Promise.all(writes);
    assert.equal((await store.read("s1", 0)).lastSeq, 4);
    await store.close();
    db.close();
  });

  test("a later chunk, even as its turn's first write, commits with the rest of its turn", async () => {
    const db = new Database(":memory:");
    const store = new SqliteCheckpointStore({ database: db });
    await store.create("s_later");
    await store.append("s_later", chunk("s_later", 1));
    await new Promise((resolve) => setImmediate(resolve)); // a new turn
    const writes = [2, 3, 4].map((seq) => store.append("s_later", chunk("s_later", seq)));
    assert.equal(count(db, "chunks"), 1, "chunk 2 was committed alone, before the rest of its turn");
    await Promise.all(writes);
    assert.equal(count(db, "chunks"), 4);
    const rows = db.prepare("SELECT first_seq, last_seq FROM stream_segment ORDER BY first_seq").all();
    assert.deepEqual(
      rows,
      [
        { first_seq: 1, last_seq: 1 },
        { first_seq: 2, last_seq: 4 },
      ],
      "the chunks that commit together are one segment",
    );
    await store.close();
    db.close();
  });

  test("a read after any seq gives exactly the chunks after it, across segments", async () => {
    const store = new SqliteCheckpointStore();
    await store.create("s_seg");
    for (const burst of [[1], [2, 3, 4], [5, 6], [7]]) {
      await Promise.all(burst.map((seq) => store.append("s_seg", chunk("s_seg", seq))));
    }
    for (let after = 0; after <= 7; after++) {
      const snapshot = await store.read("s_seg", after);
      assert.deepEqual(
        snapshot.chunks.map((c) => [c.seq, c.text]),
        [1, 2, 3, 4, 5, 6, 7].filter((seq) => seq > after).map((seq) => [seq, chunkText(seq)]),
      );
      assert.equal(snapshot.lastSeq, 7);
    }
    await store.close();
  });

  test("a file from before segments (a row per chunk) is carried over when opened", async () => {
    const filename = join(dir, "old.db");
    const db = new Database(filename);
    db.exec(`
      CREATE TABLE stream_log (stream_id TEXT PRIMARY KEY, updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL DEFAULT 0, final TEXT, failure TEXT);
      CREATE TABLE stream_chunk (stream_id TEXT NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (stream_id, seq)) WITHOUT ROWID;
    `);
    db.prepare("INSERT INTO stream_log (stream_id, updated_at, last_seq) VALUES (?, ?, ?)").run(
      "s_old",
      Date.now(),
      2,
    );
    const insert = db.prepare("INSERT INTO stream_chunk (stream_id, seq, text) VALUES (?, ?, ?)");
    insert.run("s_old", 1, chunkText(1));
    insert.run("s_old", 2, chunkText(2));
    db.close();
    const store = new SqliteCheckpointStore({ filename });
    assert.deepEqual(
      (await store.read("s_old", 0)).chunks.map((c) => [c.seq, c.text]),
      [
        [1, chunkText(1)],
        [2, chunkText(2)],
      ],
    );
    await store.append("s_old", chunk("s_old", 3));
    assert.equal((await store.read("s_old", 2)).chunks[0]?.seq, 3);
    await store.close();
  });

  test("a creation is held until the stream's first write, and reads as an empty log meanwhile", async () => {
    const db = new Database(":memory:");
    const store = new SqliteCheckpointStore({ database: db });
    await store.create("s2");
    assert.equal(count(db, "stream_log"), 0, "nothing written for a stream with no chunk yet");
    assert.deepEqual(await store.read("s2", 0), { chunks: [], lastSeq: 0 });
    await assert.rejects(
      store.create("s2"),
      (e: unknown) => e instanceof SynapseError && e.code === "ALREADY_EXISTS",
    );
    await store.append("s2", chunk("s2", 1));
    assert.equal(count(db, "stream_log"), 1);
    assert.deepEqual(
      (await store.read("s2", 0)).chunks.map((c) => c.seq),
      [1],
    );
    await store.close();
    db.close();
  });

  test("a refused write fails alone; the others of its batch are stored", async () => {
    const store = new SqliteCheckpointStore({ clock: new FakeClock() });
    await store.create("a");
    await store.create("b");
    const results = await Promise.allSettled([
      store.append("a", chunk("a", 1)),
      store.append("a", chunk("a", 3)),
      store.append("b", chunk("b", 1)),
      store.append("a", chunk("a", 2)),
      store.finish("b", { type: "final", streamId: "b", lastSeq: 1, hash: "h" } as StreamFinal),
      store.append("b", chunk("b", 2)),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled", "rejected"],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /does not follow 1/);
    assert.match(String((results[5] as PromiseRejectedResult).reason), /already ended/);
    assert.deepEqual(
      (await store.read("a", 0)).chunks.map((c) => c.seq),
      [1, 2],
    );
    const b = await store.read("b", 0);
    assert.deepEqual([b.lastSeq, b.final?.hash], [1, "h"]);
    await store.close();
  });

  test("closing commits the writes still waiting, so a restart finds them", async () => {
    const filename = join(dir, "close.db");
    const first = new SqliteCheckpointStore({ filename });
    await first.create("s3");
    const writes = [1, 2, 3].map((seq) => first.append("s3", chunk("s3", seq)));
    await first.close();
    await Promise.all(writes);
    const second = new SqliteCheckpointStore({ filename });
    assert.equal((await second.read("s3", 0)).lastSeq, 3);
    await second.close();
  });
});

/** A memory store whose chunk writes wait for `release`, and whose write of `failSeq` fails once. */
class HeldStore implements CheckpointStore {
  readonly inner = new MemoryCheckpointStore();
  readonly gate = deferred<void>();
  appends = 0;
  constructor(private failSeq?: number) {}
  create(id: string) {
    return this.inner.create(id);
  }
  async append(id: string, c: StreamChunk) {
    this.appends++;
    await this.gate.promise;
    if (c.seq === this.failSeq) {
      this.failSeq = undefined;
      throw new SynapseError("UNAVAILABLE", "the store blinked");
    }
    return this.inner.append(id, c);
  }
  finish(id: string, f: StreamFinal) {
    return this.inner.finish(id, f);
  }
  fail(id: string, f: StreamFailure) {
    return this.inner.fail(id, f);
  }
  read(id: string, after: number) {
    return this.inner.read(id, after);
  }
  subscribe(id: string, l: (e: StreamLogEvent) => void) {
    return this.inner.subscribe(id, l);
  }
  purgeExpired() {
    return this.inner.purgeExpired();
  }
  close() {
    return this.inner.close();
  }
}

function checkpointer(store: CheckpointStore) {
  const events = new ResilienceEvents();
  const continuations: ContinuationEvent[] = [];
  events.on("continuation", (e) => continuations.push(e));
  const cp = new StreamCheckpointer({
    store,
    options: resolveOptions().checkpoint,
    clock: new FakeClock(),
    events,
  });
  return { cp, continuations };
}

describe("stream checkpointer: chunks handed over without waiting for each write", () => {
  test("every chunk received is handed to the store while the first write is still pending", async () => {
    const store = new HeldStore();
    const { cp } = checkpointer(store);
    const next = cp.interceptor(fakeNext({ stream: (call) => simStream(call, 5) }));
    const out = await next(streaming(request()));
    await flushMicrotasks();
    assert.equal(store.appends, 5, "the pump did not wait for a write before taking the next chunk");
    store.gate.resolve();
    assertWhole(await collect(out.events), 5);
    await cp.idle();
  });

  test("a write failing after later chunks were handed over: continued from the last stored chunk", async () => {
    const store = new HeldStore(4);
    const { cp, continuations } = checkpointer(store);
    const calls: { afterSeq?: number; text?: string }[] = [];
    const next = cp.interceptor(
      fakeNext({
        stream: (call) => {
          calls.push({ ...call.request.continuation });
          return simStream(call, 8);
        },
      }),
    );
    const out = await next(streaming(request()));
    await flushMicrotasks();
    store.gate.resolve();
    const events: StreamEvent[] = await collect(out.events);
    assertWhole(events, 8);
    assert.deepEqual(
      continuations.map((c) => [c.afterSeq, c.code]),
      [[3, "UNAVAILABLE"]],
    );
    assert.deepEqual(calls[1], { text: fullText(3), afterSeq: 3 });
    await cp.idle();
  });

  test("recorded(streamId) resolves once the stream's log is closed, at once for one not recorded here", async () => {
    const store = new HeldStore();
    const { cp } = checkpointer(store);
    const next = cp.interceptor(fakeNext({ stream: (call) => simStream(call, 3) }));
    const out = await next(streaming({ ...request(), streamId: "s_rec" }));
    let recorded = false;
    const done = cp.recorded("s_rec").then(() => {
      recorded = true;
    });
    await flushMicrotasks();
    assert.equal(recorded, false, "recorded before its chunks were stored");
    store.gate.resolve();
    await done;
    const snapshot = await store.read("s_rec", 0);
    assert.equal(snapshot.final?.lastSeq, 3, "recorded before the final event was stored");
    assertWhole(await collect(out.events), 3);
    await cp.recorded("s_unknown");
  });
});
