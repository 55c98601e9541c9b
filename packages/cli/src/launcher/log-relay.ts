/**
 * A child's output, one line at a time, into the launcher's output. Children log JSON (the
 * launcher sets SYNAPSE_LOG_FORMAT=json); each such line is re-emitted through a logger named
 * after the child, so it is printed once, in the launcher's format, naming its process once.
 * Anything else (a crash message, a stray console.log) is passed through prefixed with the name.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "@synapse/core";

type LevelName = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

const LEVELS: Record<number, LevelName> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** What a pino JSON line says, without the fields the re-emitting logger sets itself. */
export interface ParsedLogLine {
  level: LevelName;
  msg: string;
  fields: Record<string, unknown>;
}

/** The pino record in `line`, or undefined when the line is not one. */
export function parseLogLine(line: string): ParsedLogLine | undefined {
  if (!line.startsWith("{")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const {
    level,
    msg,
    time: _time,
    pid: _pid,
    hostname: _host,
    proc: _proc,
    ...fields
  } = value as Record<string, unknown>;
  const levelName = typeof level === "number" ? LEVELS[level] : undefined;
  if (levelName === undefined) return undefined;
  return { level: levelName, msg: typeof msg === "string" ? msg : "", fields };
}

/** Writes one child line: re-emitted through `logger` when it is a log record, else prefixed with `name`. */
export function relayLine(line: string, name: string, logger: Logger, passthrough: Writable): void {
  if (line === "") return;
  const record = parseLogLine(line);
  if (record === undefined) {
    passthrough.write(`[${name}] ${line}\n`);
    return;
  }
  logger[record.level](record.fields, record.msg);
}

/**
 * Relays every line of `input` until it ends. `logger` must already carry the child's name (see
 * createLogger's `name`), so the name is not added a second time here.
 */
export function relayLines(input: Readable, name: string, logger: Logger, passthrough: Writable): void {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", (line) => relayLine(line, name, logger, passthrough));
}
