import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RESULT_SCHEMAS } from "@synapse/core";
import fc from "fast-check";
import { complete, countTokens, SimProvider, tokenize } from "../src/index.js";
import { call, rejection, SIM_SAMPLES } from "./helpers.js";

const sim = new SimProvider();

describe("sim output", () => {
  test("every action's result matches its RESULT_SCHEMAS shape", async () => {
    for (const c of SIM_SAMPLES) {
      const { result } = await complete(sim, c);
      const parsed = RESULT_SCHEMAS[c.action].safeParse(result);
      assert.ok(parsed.success, `${c.action}: ${parsed.error?.message}`);
    }
  });

  test("the same input gives the same text and result, across providers and key orders", async () => {
    const other = new SimProvider();
    for (const c of SIM_SAMPLES) {
      const a = await complete(sim, c);
      const b = await complete(other, {
        ...c,
        input: Object.fromEntries(Object.entries(c.input).reverse()),
      } as typeof c);
      assert.equal(b.text, a.text);
      assert.deepEqual(b.result, a.result);
    }
  });

  test("different tasks give different plans", async () => {
    const a = await complete(sim, call("claude", "plan", { task: "Parse CSV files" }));
    const b = await complete(sim, call("claude", "plan", { task: "Render SVG charts" }));
    assert.notEqual(a.text, b.text);
  });

  test("plans have 3 to 7 steps built from the task's words, numbered from 1, for any task", async () => {
    const counts = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("parse", "stream", "cache", "render", "quota", "index"), {
          minLength: 1,
          maxLength: 6,
        }),
        async (words) => {
          const { result, text } = await complete(sim, call("claude", "plan", { task: words.join(" ") }));
          const { steps } = RESULT_SCHEMAS.plan.parse(result);
          assert.ok(steps.length >= 3 && steps.length <= 7, `${steps.length} steps`);
          counts.add(steps.length);
          assert.deepEqual(
            steps.map((s) => s.id),
            steps.map((_, i) => i + 1),
          );
          assert.ok(
            steps.slice(1).some((s) => s.goal.includes(words[0]!)),
            "a step names the task's first word",
          );
          for (const s of steps) assert.ok(text.includes(s.goal) && text.includes(s.check));
        },
      ),
      { numRuns: 60, seed: 7 },
    );
    assert.ok(counts.size >= 3, `step counts vary with the input: ${[...counts]}`);
  });

  test("code writes a TypeScript module with a test by default, naming the task", async () => {
    const { result, text } = await complete(sim, call("claude", "code", { task: "Parse CSV files quickly" }));
    const { files, explanation } = RESULT_SCHEMAS.code.parse(result);
    assert.deepEqual(
      files.map((f) => f.path),
      ["src/parse-csv-files.ts", "src/parse-csv-files.test.ts"],
    );
    assert.match(files[0]!.content, /Task: Parse CSV files quickly/);
    assert.match(files[0]!.content, /export function parseCsvFiles\(input: string\): string/);
    assert.ok(text.startsWith(explanation));
    assert.match(text, /```ts\n/);
  });

  test("code follows the language asked for, or named in the task", async () => {
    const cases: [Record<string, unknown>, RegExp, RegExp][] = [
      [{ task: "count words", language: "python" }, /^count_words\.py$/, /def count_words\(text: str\)/],
      [{ task: "count words in go" }, /^count_words\.go$/, /func CountWords\(input string\) string/],
      [{ task: "count words", language: "Rust" }, /^src\/count_words\.rs$/, /pub fn count_words/],
      [
        { task: "count words", language: "javascript" },
        /^src\/count-words\.js$/,
        /export function countWords\(input\) \{/,
      ],
      [{ task: "count words", language: "cobol" }, /^count_words\.cobol$/, /A sketch for cobol/],
    ];
    for (const [input, path, content] of cases) {
      const { result } = await complete(sim, call("claude", "code", input));
      const file = RESULT_SCHEMAS.code.parse(result).files[0]!;
      assert.match(file.path, path);
      assert.match(file.content, content);
    }
  });

  test("analyze finds long lines, markers, eval, any, console.log, empty catch, secrets and long functions", async () => {
    const longFn = ["function big() {", ...Array.from({ length: 55 }, (_, i) => `  step(${i});`), "}"];
    const text = [
      "const ok = 1;",
      `const long = "${"x".repeat(130)}";`,
      "// TODO: split this module",
      "// FIXME broken on empty input",
      "const v = eval(userInput);",
      "// eval(x) in a comment is fine",
      "function f(x: any) { return x; }",
      "console.log(v);",
      "try { f(1); } catch (e) {}",
      'const apiKey = "sk-1234567890";',
      ...longFn,
    ].join("\n");
    const { result } = await complete(sim, call("gemini", "analyze", { text, language: "typescript" }));
    const { findings, summary } = RESULT_SCHEMAS.analyze.parse(result);
    const at = (line: number) => findings.filter((f) => f.location === `line ${line}`).map((f) => f.severity);
    assert.deepEqual(at(1), []);
    assert.deepEqual(at(2), ["low"]);
    assert.deepEqual(at(3), ["info"]);
    assert.deepEqual(at(4), ["low"]);
    assert.deepEqual(at(5), ["high"]);
    assert.deepEqual(at(6), []);
    assert.deepEqual(at(7), ["medium"]);
    assert.deepEqual(at(8), ["low"]);
    assert.deepEqual(at(9), ["medium"]);
    assert.deepEqual(at(10), ["high"]);
    assert.deepEqual(at(11), ["medium"]);
    assert.match(findings.find((f) => f.location === "line 11")!.message, /`big` is 57 lines long/);
    assert.match(summary, /^9 findings \(2 high, 3 medium, 3 low, 1 info\) in 67 lines of typescript/);
  });

  test("analyze finds long Python functions by indentation", async () => {
    const body = Array.from({ length: 52 }, (_, i) => `    x += ${i}`);
    const text = ["def short():", "    return 1", "", "def long_one(x):", ...body, "", "print(x)"].join("\n");
    const { result } = await complete(sim, call("gemini", "analyze", { text }));
    const { findings } = RESULT_SCHEMAS.analyze.parse(result);
    assert.deepEqual(
      findings.map((f) => [f.location, f.severity]),
      [["line 4", "medium"]],
    );
    assert.match(findings[0]!.message, /`long_one` is 53 lines long/);
  });

  test("review requests changes for high-severity findings and approves otherwise, with locations", async () => {
    const bad = await complete(
      sim,
      call("gemini", "review", { files: [{ path: "src/a.ts", content: "ok();\neval(x);\n" }] }),
    );
    const badResult = RESULT_SCHEMAS.review.parse(bad.result);
    assert.equal(badResult.verdict, "request_changes");
    assert.deepEqual(
      badResult.comments.map((c) => c.location),
      ["src/a.ts line 2"],
    );
    assert.match(bad.text, /^## Review: request changes/);
    const good = await complete(sim, call("gemini", "review", { code: "const a = 1;\nconsole.log(a);\n" }));
    const goodResult = RESULT_SCHEMAS.review.parse(good.result);
    assert.equal(goodResult.verdict, "approve");
    assert.deepEqual(
      goodResult.comments.map((c) => c.location),
      ["line 2"],
    );
  });

  test("execute describes commands without running them, splitting argv with quotes", async () => {
    const { result, text } = await complete(
      sim,
      call("codex", "execute", { command: `git commit -m "two words" --author='A B' x\\ y` }),
    );
    const r = RESULT_SCHEMAS.execute.parse(result);
    assert.equal(r.executed, false);
    assert.equal(r.isolation, "none");
    assert.deepEqual(r.commands[0]!.argv, ["git", "commit", "-m", "two words", "--author=A B", "x y"]);
    assert.equal(r.commands[0]!.exitCode, null);
    assert.match(r.commands[0]!.stdout, /sim describes commands instead of running them/);
    assert.match(text, /^\$ git commit/);
  });

  test("execute takes argv arrays, and commands quoted in a task", async () => {
    const arr = RESULT_SCHEMAS.execute.parse(
      (await complete(sim, call("codex", "execute", { command: ["ls", "a b"] }))).result,
    );
    assert.deepEqual(
      arr.commands.map((c) => c.argv),
      [["ls", "a b"]],
    );
    const task = RESULT_SCHEMAS.execute.parse(
      (
        await complete(
          sim,
          call("codex", "execute", { task: "run `npm ci` then `npm test -- --grep 'a b'`" }),
        )
      ).result,
    );
    assert.deepEqual(
      task.commands.map((c) => c.argv),
      [
        ["npm", "ci"],
        ["npm", "test", "--", "--grep", "a b"],
      ],
    );
  });

  test("execute refuses an unclosed quote or an empty command with INVALID_ARGUMENT", async () => {
    for (const command of [`echo "unclosed`, "   "]) {
      const err = await rejection(complete(sim, call("codex", "execute", { command })));
      assert.equal((err as { code?: string }).code, "INVALID_ARGUMENT");
    }
  });

  test("tokens are words with their following whitespace and concatenate to the text", () => {
    assert.deepEqual(tokenize("  a bb\n\nccc  d"), ["  ", "a ", "bb\n\n", "ccc  ", "d"]);
    fc.assert(fc.property(fc.string(), (s) => tokenize(s).join("") === s));
  });

  test("countTokens takes every UTF-16 unit for whitespace exactly when \\s does", () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const s of [`a${ch}b`, `${ch}a`])
        assert.equal(countTokens(s), tokenize(s).length, `U+${c.toString(16)}`);
    }
  });

  test("countTokens counts exactly the tokens tokenize makes", () => {
    assert.equal(countTokens("  a bb\n\nccc  d"), 5);
    assert.equal(countTokens(""), 0);
    assert.equal(countTokens(" \u00a0\u2028 "), 1);
    const spaced = fc.string({ unit: fc.constantFrom("a", "é", " ", "\n", "\t", "\u00a0", "\u2028", "x") });
    for (const strings of [fc.string(), spaced]) {
      fc.assert(fc.property(strings, (s) => countTokens(s) === tokenize(s).length));
    }
  });
});
