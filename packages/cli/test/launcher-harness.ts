/** An in-process Launcher over fake-service children, with its logs and events collected. */
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { type Clock, createLogger } from "@synapse/core";
import type { ChildSpec } from "../src/launcher/child-spec.js";
import { Launcher, type LauncherOptions } from "../src/launcher/launcher.js";
import type { LauncherEvent } from "../src/launcher/supervised-child.js";
import { cleanEnv } from "./processes.js";

export const FAKE_SERVICE = fileURLToPath(new URL("./fixtures/fake-service.js", import.meta.url));

export function fakeSpecs(count: number): ChildSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `claude#${i}`,
    args: [FAKE_SERVICE, "claude", String(i)],
  }));
}

export interface Harness {
  launcher: Launcher;
  events: LauncherEvent[];
  /** Every log line (launcher and children), JSON. */
  logs: string[];
  /** Lines the children wrote that were not log records, as passed through. */
  stdout: PassThrough;
  /** Resolves with the first event (seen or to come) that passes `test`. */
  event<T extends LauncherEvent>(test: (e: LauncherEvent) => e is T): Promise<T>;
}

export function harness(
  count: number,
  fixtureEnv: Record<string, string> = {},
  overrides: Partial<LauncherOptions> & { clock?: Clock } = {},
  specs: ChildSpec[] = fakeSpecs(count),
): Harness {
  const events: LauncherEvent[] = [];
  const logs: string[] = [];
  let waiters: { test: (e: LauncherEvent) => boolean; resolve: (e: LauncherEvent) => void }[] = [];
  const destination = { write: (s: string) => void logs.push(...s.split("\n").filter(Boolean)) };
  const stdout = new PassThrough({ encoding: "utf8" });
  const launcher = new Launcher(specs, {
    readyTimeoutMs: 15_000,
    restartInitialMs: 20,
    restartMaxMs: 1_000,
    stopTimeoutMs: 5_000,
    logger: createLogger({ name: "launcher", level: "info", format: "json", destination }),
    childLogger: (name) => createLogger({ name, level: "info", format: "json", destination }),
    env: cleanEnv(fixtureEnv),
    stdout,
    stderr: stdout,
    onEvent: (e) => {
      events.push(e);
      waiters = waiters.filter((w) => {
        if (!w.test(e)) return true;
        w.resolve(e);
        return false;
      });
    },
    ...overrides,
  });
  return {
    launcher,
    events,
    logs,
    stdout,
    event<T extends LauncherEvent>(test: (e: LauncherEvent) => e is T): Promise<T> {
      const seen = events.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no such event in:\n${JSON.stringify(events)}`)),
          15_000,
        );
        waiters.push({
          test,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e as T);
          },
        });
      });
    },
  };
}
