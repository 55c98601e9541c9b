import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { createSeed, normalize } from "../src/sim/seed.js";

/** A choice as the seed defines it: the first 4 bytes of SHA-256(SHA-256-hex(call) + salt), mod n. */
function reference(value: unknown, salt: string, n: number): number {
  const base = createHash("sha256").update(normalize(value)).digest("hex");
  return createHash("sha256").update(base).update(salt).digest().readUInt32BE(0) % n;
}

describe("sim seed", () => {
  // Answers must not change with the way the hash is computed (replicas of different builds,
  // streams continued elsewhere, and benchmark payloads compared across changes).
  test("every choice is the SHA-256 one, whatever the call, salt and range", () => {
    const calls = [
      { agent: "claude", action: "plan", input: { task: "Add a health endpoint to the billing service" } },
      { agent: "gemini", action: "review", input: { files: [{ path: "a.ts", content: "é ü 漢字" }] } },
    ];
    for (const call of calls) {
      const seed = createSeed(call);
      for (const salt of ["steps", "drop5", "drop4", "verb", ""]) {
        for (const n of [2, 3, 5, 7, 1000, 2 ** 31])
          assert.equal(seed.int(salt, n), reference(call, salt, n));
      }
      assert.equal(seed.int("steps", 1), 0);
    }
  });
});
