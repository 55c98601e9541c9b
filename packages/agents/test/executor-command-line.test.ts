import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { findShellSyntax, parseCommand } from "../src/executor/index.js";

describe("findShellSyntax", () => {
  const withSyntax: [string, string][] = [
    ["ls; rm -rf /", ";"],
    ["echo $(id)", "$("],
    ["echo `id`", "`"],
    ["echo a\nrm b", "\\n"],
    ["true && rm x", "&&"],
    ["false || rm x", "||"],
    ["cat a | sh", "|"],
    ["echo x > f", ">"],
    ["sort < f", "<"],
    ["sleep 1 &", "&"],
    ["(cd /)", "("],
    [`echo \${HOME}`, `\${`],
    ["echo $HOME", "$H"],
    ['echo "$(id)"', "$("],
    ['echo "`id`"', "`"],
    ["echo hi #comment", "#"],
  ];
  for (const [line, token] of withSyntax) {
    test(`finds ${JSON.stringify(token)} in ${JSON.stringify(line)}`, () => {
      assert.equal(findShellSyntax(line)?.token, token);
    });
  }

  const literal = [
    "echo '$(id)'",
    "echo 'a; b | c && d > e'",
    "echo 'line1\nline2'",
    'echo "a;b|c&&d>e"',
    "echo a\\;b",
    "grep -E a$ file",
    "echo price$",
    "echo a#b",
    "ls -la src/",
  ];
  for (const line of literal) {
    test(`finds none in ${JSON.stringify(line)}`, () => {
      assert.equal(findShellSyntax(line), undefined);
    });
  }
});

describe("parseCommand", () => {
  test("splits a line with quotes and escapes into argv, without a shell", () => {
    assert.deepEqual(parseCommand(`grep -n "a b" 'c;d' e\\ f`, false), {
      kind: "argv",
      argv: ["grep", "-n", "a b", "c;d", "e f"],
    });
  });

  test("passes an argv array through untouched, shell characters and all", () => {
    assert.deepEqual(parseCommand(["echo", "$(id); rm -rf /"], false), {
      kind: "argv",
      argv: ["echo", "$(id); rm -rf /"],
    });
  });

  test("refuses shell syntax when the shell is off, saying how to enable it", () => {
    assert.throws(
      () => parseCommand("ls; rm -rf /", false),
      (err) =>
        isSynapseError(err, "INVALID_ARGUMENT") &&
        err.message.includes("shell is off") &&
        err.message.includes("allowShell") &&
        err.message.includes("SYNAPSE_CODEX_ALLOW_SHELL"),
    );
  });

  test("hands a line with shell syntax to the shell when allowed, and a plain line still runs directly", () => {
    assert.deepEqual(parseCommand("ls | wc -l", true), { kind: "shell", line: "ls | wc -l" });
    assert.deepEqual(parseCommand("ls -l", true), { kind: "argv", argv: ["ls", "-l"] });
  });

  test("refuses empty commands and unterminated quotes with INVALID_ARGUMENT", () => {
    for (const bad of ["", "   ", "''", `echo "open`]) {
      assert.throws(
        () => parseCommand(bad, false),
        (err) => isSynapseError(err, "INVALID_ARGUMENT"),
        bad,
      );
    }
    assert.throws(
      () => parseCommand([], false),
      (err) => isSynapseError(err, "INVALID_ARGUMENT"),
    );
  });
});
