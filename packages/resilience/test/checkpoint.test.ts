import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { MemoryCheckpointStore, SqliteCheckpointStore } from "../src/index.js";
import { checkpointStoreSuite } from "./helpers/checkpoint-suite.js";
import { chunkText } from "./helpers/fakes.js";

checkpointStoreSuite("memory", (clock) => new MemoryCheckpointStore({ clock }));
checkpointStoreSuite("sqlite", (clock) => new SqliteCheckpointStore({ clock }));

describe("SQLite checkpoint store on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "synapse-ckpt-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("a stream log survives closing and reopening the database (a gateway restart)", async () => {
    const filename = join(dir, "state.db");
    const first = new SqliteCheckpointStore({ filename });
    await first.create("s_disk");
    for (let seq = 1; seq <= 3; seq++)
      await first.append("s_disk", { type: "chunk", streamId: "s_disk", seq, text: chunkText(seq) });
    await first.close();
    const second = new SqliteCheckpointStore({ filename });
    const snap = await second.read("s_disk", 1);
    assert.deepEqual(
      snap.chunks.map((c) => [c.seq, c.text]),
      [
        [2, chunkText(2)],
        [3, chunkText(3)],
      ],
    );
    assert.equal(snap.lastSeq, 3);
    await second.close();
  });
});
