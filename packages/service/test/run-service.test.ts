import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadConfig } from "@synapse/core";
import { JsonRpcClient } from "@synapse/transport";
import { runService } from "../src/index.js";
import { captureLogger } from "./helpers.js";

// Port 0 everywhere: each server takes a free port, and replica offsets are not added to 0.
const config = loadConfig({
  SYNAPSE_DATA_DIR: mkdtempSync(join(tmpdir(), "synapse-run-service-")),
  SYNAPSE_CODEX_GRPC_PORT: "0",
  SYNAPSE_CODEX_TCP_PORT: "0",
  SYNAPSE_CODEX_METRICS_PORT: "0",
  SYNAPSE_CODEX_SIM_TTFT_MS: "0",
  SYNAPSE_CODEX_SIM_TOKENS_PER_SECOND: "0",
  SYNAPSE_CODEX_SIM_ERROR_RATE: "1",
  SYNAPSE_CODEX_SIM_FAULT_REPLICAS: "1",
});

// A task, not a command: commands run without asking the model, so sim's faults would not apply.
const EXECUTE = { agent: "codex", action: "execute", input: { task: "say hi" } } as const;

describe("runService", () => {
  test("sim faults apply only on the replicas the configuration names", async () => {
    for (const [replica, faulty] of [
      [0, false],
      [1, true],
    ] as const) {
      const { logger, lines } = captureLogger();
      const running = await runService({ agent: "codex", replica, config, logger });
      const client = new JsonRpcClient({ port: running.ports.tcp });
      try {
        const outcome = await client.invoke(EXECUTE).then(
          () => "OK",
          (err: { code?: string }) => err.code,
        );
        assert.equal(outcome, faulty ? "UNAVAILABLE" : "OK", `replica ${replica}`);
        assert.equal((await client.describe()).replica, replica);
        const ready = lines().find((l) => String(l.msg).startsWith(`codex#${replica} ready`));
        assert.deepEqual(ready?.ports, running.ports, "one ready line with the bound ports");
        assert.ok(running.ports.grpc > 0 && running.ports.tcp > 0 && running.ports.metrics > 0);
      } finally {
        await client.close();
        await running.stop();
      }
      assert.equal(running.service.health(), "NOT_SERVING");
    }
  });
});
