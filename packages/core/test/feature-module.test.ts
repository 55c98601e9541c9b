import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SynapseError } from "../src/errors.js";
import { importFeature, requireFeature } from "../src/feature-module.js";

const MISSING = "synapse-test-no-such-package";

describe("feature modules: loaded on first use, a missing one named plainly", () => {
  test("a package that is not installed: FAILED_PRECONDITION naming the feature and the package, no path", async () => {
    const check = (err: unknown) => {
      assert.ok(err instanceof SynapseError);
      assert.equal(err.code, "FAILED_PRECONDITION");
      assert.equal(
        err.message,
        `shared state needs the npm package ${MISSING}, which is not installed; install it (npm i ${MISSING}).`,
      );
      assert.ok(err.cause instanceof Error); // the module's own error, with its paths, stays for logs
      return true;
    };
    await assert.rejects(
      importFeature("shared state", MISSING, () => import(MISSING)),
      check,
    );
    assert.throws(() => requireFeature("shared state", MISSING), check);
  });

  test("a package that fails to load for another reason is said to be broken", async () => {
    const broken = () => Promise.reject(new SyntaxError("Unexpected token"));
    await assert.rejects(importFeature("workflows", "@langchain/langgraph", broken), {
      code: "FAILED_PRECONDITION",
      message:
        "workflows needs the npm package @langchain/langgraph, which failed to load; reinstall it (npm i @langchain/langgraph).",
    });
  });

  test("an installed package is returned as loaded", async () => {
    const loaded = await importFeature("YAML", "yaml", () => import("yaml"));
    assert.equal(typeof loaded.parse, "function");
    assert.equal(typeof requireFeature<typeof import("yaml")>("YAML", "yaml").parse, "function");
  });
});
