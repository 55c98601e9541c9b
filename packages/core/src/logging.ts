/**
 * Structured logs: one line per event, with the process name and request ids as fields.
 * Pretty on a terminal, JSON otherwise. Each logger writes to exactly one stream and child
 * loggers share it, so no line is printed twice (the original's duplicated-log bug).
 */
import { type DestinationStream, type Logger, pino } from "pino";
import { requireFeature } from "./feature-module.js";

export type { Logger };

export interface LogOptions {
  /** The process this logger speaks for, e.g. "claude#0" or "launcher". */
  name: string;
  level: string;
  format: "auto" | "pretty" | "json";
  /** Defaults to standard error, so standard output stays for command results. */
  destination?: DestinationStream;
}

export function createLogger(options: LogOptions): Logger {
  const dest = options.destination ?? pino.destination({ fd: 2, sync: true });
  const usePretty =
    options.format === "pretty" || (options.format === "auto" && process.stderr.isTTY === true);
  // Loaded only for pretty output (several MiB resident): processes log JSON when not on a terminal.
  const pretty = usePretty
    ? requireFeature<typeof import("pino-pretty")>("pretty logs", "pino-pretty")
    : undefined;
  const stream = pretty
    ? pretty({
        destination: dest,
        colorize: process.stderr.isTTY === true,
        sync: true,
        translateTime: "HH:MM:ss.l",
        ignore: "pid,hostname,proc",
        messageFormat: "{if proc}[{proc}] {end}{msg}",
      })
    : dest;
  return pino(
    {
      level: options.level,
      base: { proc: options.name },
      // Secrets are never logged on purpose; these paths are a second line of defence.
      redact: {
        paths: ["apiKey", "*.apiKey", "authorization", "*.authorization", "headers.authorization"],
        censor: "***",
      },
    },
    stream,
  );
}

/** Level names pino uses, by number, for re-emitting a child's JSON log line. */
export const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};
