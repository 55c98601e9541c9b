/** `synapse services`: some services, a given replica count, and no orphans if it is killed. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FAST_SIM, freePortEnv } from "./free-ports.js";
import { isAlive, until } from "./processes.js";
import { SYNAPSE_BIN } from "./run-cli.js";
import { startProcess } from "./running-process.js";

describe("synapse services", () => {
  test("--service gemini --replicas 2 starts exactly those; SIGKILL of the launcher leaves no service behind", async () => {
    const env = { ...(await freePortEnv(2)), ...FAST_SIM, SYNAPSE_LOG_LEVEL: "info" };
    const launcher = startProcess([SYNAPSE_BIN, "services", "--service", "gemini", "--replicas", "2"], env);
    try {
      const pids = await launcher.tablePids("gemini#1");
      assert.deepEqual([...pids.keys()], ["gemini#0", "gemini#1"]);
      launcher.proc.kill("SIGKILL");
      await launcher.exited;
      await until(() => [...pids.values()].every((pid) => !isAlive(pid)), "the orphaned services to exit");
    } finally {
      launcher.killAll();
    }
  });
});
