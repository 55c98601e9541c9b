import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RESULT_SCHEMAS, type ReviewComment, type SourceFile } from "@synapse/core";
import { complete, countRevisionMarkers, SimProvider } from "../src/index.js";
import { call } from "./helpers.js";

const sim = new SimProvider();

/** code → review → (code with the comments and the files → review)… as a workflow runs it. */
async function reviewLoop(
  task: string,
  maxRounds = 10,
): Promise<{ requestChanges: number; files: SourceFile[] }> {
  let files = RESULT_SCHEMAS.code.parse((await complete(sim, call("claude", "code", { task }))).result).files;
  let requestChanges = 0;
  for (let round = 0; round < maxRounds; round++) {
    const review = RESULT_SCHEMAS.review.parse(
      (await complete(sim, call("gemini", "review", { files, task }))).result,
    );
    if (review.verdict === "approve") return { requestChanges, files };
    requestChanges++;
    const comments: ReviewComment[] = review.comments;
    const revised = RESULT_SCHEMAS.code.parse(
      (await complete(sim, call("claude", "code", { task, files, comments }))).result,
    ).files;
    files = files.map((f) => revised.find((r) => r.path === f.path) ?? f);
  }
  throw new Error("the loop did not end");
}

describe("sim review loop directive", () => {
  for (const n of [0, 1, 3]) {
    test(`[sim:request-changes=${n}] takes the request-changes branch exactly ${n} times, then approves`, async () => {
      const { requestChanges, files } = await reviewLoop(`Write a slugify helper [sim:request-changes=${n}]`);
      assert.equal(requestChanges, n);
      assert.equal(countRevisionMarkers(files.map((f) => f.content).join("\n")), n);
    });
  }

  test("code given review comments writes one more sim-revision marker than its files carry", async () => {
    const files = [{ path: "src/x.ts", content: "// sim-revision: 1\n// sim-revision: 2\nexport {};\n" }];
    const { result } = await complete(
      sim,
      call("claude", "code", { task: "x", files, comments: [{ location: "line 1", message: "fix" }] }),
    );
    const out = RESULT_SCHEMAS.code.parse(result).files;
    assert.deepEqual(
      out.map((f) => f.path),
      ["src/x.ts"],
    );
    assert.equal(countRevisionMarkers(out[0]!.content), 3);
    assert.match(out[0]!.content, /\/\/ sim-revision: 3\n/);
  });

  test("without the directive, sim's own code is approved at once", async () => {
    const { requestChanges } = await reviewLoop("Write a slugify helper");
    assert.equal(requestChanges, 0);
  });
});
