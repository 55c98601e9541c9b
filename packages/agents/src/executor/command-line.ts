/**
 * Turning what a caller gave (a command line or an argv array) into what will run. A command
 * line is split into argv with a quote-aware splitter (shlex, POSIX rules) and never handed to a
 * shell unless the shell is on; a line that relies on shell syntax is refused rather than run in
 * a way its author did not mean.
 */
import { SynapseError } from "@synapse/core";
import { split } from "shlex";

/** What to run: argv run directly, or a line for `/bin/sh -c`. */
export type ParsedCommand = { kind: "argv"; argv: string[] } | { kind: "shell"; line: string };

/** A piece of shell syntax found outside single quotes, with what it means. */
export interface ShellSyntax {
  token: string;
  meaning: string;
  /** 0-based index in the line. */
  index: number;
}

const OPERATORS: Record<string, string> = {
  "&&": "a command list (&&)",
  "||": "a command list (||)",
  ";": "a command separator (;)",
  "|": "a pipe (|)",
  "&": "a background job (&)",
  ">": "a redirection (>)",
  "<": "a redirection (<)",
  "(": "a subshell (()",
  ")": "a subshell ())",
  "\n": "a newline (a second command)",
  "\r": "a carriage return (a second command)",
  "`": "command substitution (backticks)",
};

/** `$(…)`, `${…}` and `$NAME` expand in a shell, unquoted and inside double quotes. */
function expansionAt(line: string, i: number): ShellSyntax | undefined {
  const next = line[i + 1] ?? "";
  if (next === "(") return { token: "$(", meaning: "command substitution ($(…))", index: i };
  // "$" + "{" is split only so the linter does not take it for a misplaced template placeholder.
  if (next === "{") return { token: "$" + "{", meaning: "variable expansion ($" + "{…})", index: i };
  if (/[A-Za-z_]/.test(next)) return { token: `$${next}`, meaning: "variable expansion ($NAME)", index: i };
  return undefined;
}

/**
 * The first shell syntax in `line` outside single quotes, or undefined. Follows the POSIX
 * quoting rules (backslash escapes, '…' literal, "…" where `$` and backticks still expand), so
 * `echo '$(id)'` has none and `echo "$(id)"` has some.
 */
export function findShellSyntax(line: string): ShellSyntax | undefined {
  let quote: "'" | '"' | undefined;
  let wordStart = true;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      continue;
    }
    if (c === "\\") {
      i++; // the escaped character is literal (backslash-newline is a line continuation)
      wordStart = false;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "`") return { token: c, meaning: OPERATORS[c] as string, index: i };
      else if (c === "$") {
        const found = expansionAt(line, i);
        if (found) return found;
      }
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      wordStart = false;
      continue;
    }
    const pair = line.slice(i, i + 2);
    if (pair === "&&" || pair === "||") return { token: pair, meaning: OPERATORS[pair] as string, index: i };
    const meaning = OPERATORS[c];
    if (meaning) return { token: c === "\n" ? "\\n" : c === "\r" ? "\\r" : c, meaning, index: i };
    if (c === "$") {
      const found = expansionAt(line, i);
      if (found) return found;
    }
    if (c === "#" && wordStart) return { token: "#", meaning: "a comment (#)", index: i };
    wordStart = c === " " || c === "\t";
  }
  return undefined;
}

/**
 * Parses a command. An argv array runs as given. A line with shell syntax runs through the shell
 * when `allowShell`, and is refused with INVALID_ARGUMENT otherwise; any other line is split.
 */
export function parseCommand(command: string | readonly string[], allowShell: boolean): ParsedCommand {
  if (typeof command !== "string") {
    if (command.length === 0 || command[0] === "") {
      throw new SynapseError("INVALID_ARGUMENT", "The command is empty: give a program and its arguments.");
    }
    return { kind: "argv", argv: [...command] };
  }
  const syntax = findShellSyntax(command);
  if (syntax) {
    if (allowShell) return { kind: "shell", line: command };
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `The command uses shell syntax — ${syntax.meaning} at character ${syntax.index + 1} — but the shell ` +
        "is off: commands run as one program with its arguments, without a shell. Give one command " +
        "(quote special characters to pass them literally, e.g. 'a;b'), send several commands " +
        "separately, or enable the shell with allowShell (SYNAPSE_CODEX_ALLOW_SHELL=true).",
      { details: { token: syntax.token, index: syntax.index } },
    );
  }
  let argv: string[];
  try {
    argv = split(command);
  } catch {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      "The command has an unterminated quote or a trailing backslash: close every ' and \" you open.",
    );
  }
  if (argv.length === 0 || argv[0] === "") {
    throw new SynapseError("INVALID_ARGUMENT", "The command is empty: give a program and its arguments.");
  }
  return { kind: "argv", argv };
}
