/**
 * A throwaway redis-server for tests: on 127.0.0.1, a free port, no persistence; `stop()` ends
 * it. Needs Debian's `redis-server` package (CI installs it); without it the test fails saying so.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { freePort } from "./free-port.js";

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  if (spawnSync("redis-server", ["--version"]).error !== undefined) {
    throw new Error(
      "redis-server is not installed: the shared-state tests need Debian's `redis-server` package (apt-get install redis-server).",
    );
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await spawnOn(port);
    } catch (err) {
      // Another process may have taken the port between the probe and the start.
      if (attempt >= 4) throw err;
    }
  }
}

function spawnOn(port: number): Promise<RedisServer> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--loglevel",
      "notice",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`redis-server not ready in 10 s: ${output}`)), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.off("exit", onExit);
        resolve({ url: `redis://127.0.0.1:${port}`, port, stop: () => stop(child) });
      }
    };
    const onExit = (code: number | null) => fail(new Error(`redis-server exited with ${code}: ${output}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.once("exit", onExit);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
