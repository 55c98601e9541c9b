import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { failDirective } from "../src/sim/directives.js";

/** The definition failDirective keeps: every string collected (depth first, in order), the first match decides. */
function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(allStrings);
  return [];
}

function reference(input: unknown): string | undefined {
  for (const s of allStrings(input)) {
    const m = /\[sim:fail=([A-Za-z_]+)\]/.exec(s);
    if (m) return m[1]!.toUpperCase();
  }
  return undefined;
}

describe("sim directives", () => {
  test("failDirective answers for the first [sim:fail=…] in the input's strings, in order, for any value", () => {
    const directive = fc.constantFrom(
      "[sim:fail=UNAVAILABLE]",
      "[sim:fail=internal]",
      "[sim:fail=NOPE]",
      "[sim:x]",
    );
    const text = fc
      .tuple(fc.string(), fc.option(directive), fc.string())
      .map(([a, d, b]) => `${a}${d ?? ""}${b}`);
    const value = fc.anything({
      values: [text, fc.integer(), fc.boolean(), fc.constant(null)],
      withSparseArray: true,
      withNullPrototype: true,
      withBoxedValues: true,
    });
    fc.assert(
      fc.property(value, (v) => {
        const want = reference(v);
        const got = failDirective(v);
        if (want === undefined) return got === undefined;
        return (
          got !== undefined && (got.code === want || (got.code === "INVALID_ARGUMENT" && want === "NOPE"))
        );
      }),
      { numRuns: 3000 },
    );
    // Nested and ordered: the first directive met walking depth first decides.
    const nested = { a: ["x", { b: "[sim:fail=NOT_FOUND]" }], c: "[sim:fail=INTERNAL]" };
    assert.equal(failDirective(nested)?.code, "NOT_FOUND");
    assert.equal(failDirective({ a: 1, b: [null, true] }), undefined);
  });
});
