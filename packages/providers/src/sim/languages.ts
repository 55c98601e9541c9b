/**
 * How the simulator writes a small module in each language it knows: file names, comment syntax,
 * a function that names the task, and a test for it. Other languages get a commented sketch.
 */

/** A name in the forms languages want. */
export interface Names {
  kebab: string;
  snake: string;
  camel: string;
  pascal: string;
  /** Words separated by spaces, for messages. */
  words: string;
}

export function names(words: readonly string[]): Names {
  const w = words.length === 0 ? ["task"] : words;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return {
    kebab: w.join("-"),
    snake: w.join("_"),
    camel: w[0]! + w.slice(1).map(cap).join(""),
    pascal: w.map(cap).join(""),
    words: w.join(" "),
  };
}

export interface LanguageStyle {
  /** The name shown in explanations, e.g. "TypeScript". */
  label: string;
  /** The language tag of markdown code blocks. */
  fence: string;
  comment: string;
  path(n: Names): string;
  module(n: Names): string;
  test?: { path(n: Names): string; content(n: Names): string };
}

const ts = (typed: boolean): LanguageStyle => ({
  label: typed ? "TypeScript" : "JavaScript",
  fence: typed ? "ts" : "js",
  comment: "//",
  path: (n) => `src/${n.kebab}.${typed ? "ts" : "js"}`,
  module: (n) =>
    [
      `/** Counts the words of \`input\` and names the task: ${n.words}. */`,
      `export function ${n.camel}(input${typed ? ": string" : ""})${typed ? ": string" : ""} {`,
      "  const words = input.trim().split(/\\s+/).filter(Boolean);",
      `  return \`${n.words}: \${words.length} word(s)\`;`,
      "}",
    ].join("\n"),
  test: {
    path: (n) => `src/${n.kebab}.test.${typed ? "ts" : "js"}`,
    content: (n) =>
      [
        'import assert from "node:assert/strict";',
        'import { test } from "node:test";',
        `import { ${n.camel} } from "./${n.kebab}.js";`,
        "",
        `test("${n.camel} counts words", () => {`,
        `  assert.equal(${n.camel}("a b"), "${n.words}: 2 word(s)");`,
        "});",
      ].join("\n"),
  },
});

const python: LanguageStyle = {
  label: "Python",
  fence: "python",
  comment: "#",
  path: (n) => `${n.snake}.py`,
  module: (n) =>
    [
      `def ${n.snake}(text: str) -> str:`,
      `    """Counts the words of text and names the task: ${n.words}."""`,
      `    return f"${n.words}: {len(text.split())} word(s)"`,
    ].join("\n"),
  test: {
    path: (n) => `test_${n.snake}.py`,
    content: (n) =>
      [
        `from ${n.snake} import ${n.snake}`,
        "",
        "",
        `def test_${n.snake}_counts_words():`,
        `    assert ${n.snake}("a b") == "${n.words}: 2 word(s)"`,
      ].join("\n"),
  },
};

const go: LanguageStyle = {
  label: "Go",
  fence: "go",
  comment: "//",
  path: (n) => `${n.snake}.go`,
  module: (n) =>
    [
      `package ${n.snake.replaceAll("_", "")}`,
      "",
      'import (\n\t"fmt"\n\t"strings"\n)',
      "",
      `// ${n.pascal} counts the words of input and names the task: ${n.words}.`,
      `func ${n.pascal}(input string) string {`,
      `\treturn fmt.Sprintf("${n.words}: %d word(s)", len(strings.Fields(input)))`,
      "}",
    ].join("\n"),
};

const rust: LanguageStyle = {
  label: "Rust",
  fence: "rust",
  comment: "//",
  path: (n) => `src/${n.snake}.rs`,
  module: (n) =>
    [
      `/// Counts the words of \`input\` and names the task: ${n.words}.`,
      `pub fn ${n.snake}(input: &str) -> String {`,
      `    format!("${n.words}: {} word(s)", input.split_whitespace().count())`,
      "}",
    ].join("\n"),
};

const STYLES: Record<string, LanguageStyle> = {
  typescript: ts(true),
  ts: ts(true),
  javascript: ts(false),
  js: ts(false),
  python,
  py: python,
  go,
  golang: go,
  rust,
  rs: rust,
};

/** A language named in a task, when the caller did not name one. */
export function languageInTask(task: string): string | undefined {
  const m = /\b(typescript|javascript|python|golang|rust)\b|\bin (go)\b/i.exec(task);
  return (m?.[1] ?? m?.[2])?.toLowerCase();
}

/** The style for `language` (default TypeScript); unknown languages get a commented sketch. */
export function styleFor(language: string | undefined): LanguageStyle {
  const key = (language ?? "typescript").trim().toLowerCase();
  const known = STYLES[key];
  if (known) return known;
  const ext = key.replace(/[^a-z0-9]+/g, "") || "txt";
  return {
    label: language ?? ext,
    fence: ext,
    comment: "//",
    path: (n) => `${n.snake}.${ext}`,
    module: (n) =>
      [
        `// A sketch for ${language}: the sim provider has no template for it.`,
        `// ${n.camel}(input): count the words of input and return "${n.words}: <count> word(s)".`,
      ].join("\n"),
  };
}
