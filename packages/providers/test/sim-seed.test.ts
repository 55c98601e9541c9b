import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { createSeed, normalize } from "../src/sim/seed.js";

/** The definition normalize must keep: JSON.stringify with a replacer sorting each object's keys. */
function byReplacer(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** A choice as the seed defines it: the first 4 bytes of SHA-256(SHA-256-hex(call) + salt), mod n. */
function reference(value: unknown, salt: string, n: number): number {
  const base = createHash("sha256").update(normalize(value)).digest("hex");
  return createHash("sha256").update(base).update(salt).digest().readUInt32BE(0) % n;
}

describe("sim seed", () => {
  test("normalize is JSON.stringify with sorted keys, for any JSON-like value", () => {
    const anything = fc.anything({
      withBoxedValues: true,
      withDate: true,
      withNullPrototype: true,
      withSparseArray: true,
      withObjectString: true,
    });
    fc.assert(
      fc.property(anything, (v) => normalize(v) === byReplacer(v)),
      { numRuns: 2000 },
    );
    const call = {
      agent: "claude",
      action: "plan",
      input: { task: "t", context: undefined, b: [1, undefined] },
    };
    assert.equal(normalize(call), '{"action":"plan","agent":"claude","input":{"b":[1,null],"task":"t"}}');
  });

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
