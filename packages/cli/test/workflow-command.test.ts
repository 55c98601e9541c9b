/**
 * `synapse workflow` against a real gateway and services started by `synapse up`: the progress
 * and the summary as plain lines (standard output is a pipe here), the review loop's rounds,
 * approval (the command prints how to approve, then finishes once approved), and failures.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FAST_SIM, freePortEnv } from "./free-ports.js";
import { runCli, SYNAPSE_BIN } from "./run-cli.js";
import { type Running, startProcess } from "./running-process.js";

describe("synapse workflow", () => {
  let env: Record<string, string>;
  let up: Running;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), "synapse-cli-wf-"));

  before(async () => {
    env = { ...(await freePortEnv(1)), ...FAST_SIM, SYNAPSE_LOG_LEVEL: "warn", SYNAPSE_DATA_DIR: dataDir };
    up = startProcess([SYNAPSE_BIN, "up"], env);
    await up.tablePids("gateway");
    url = `http://127.0.0.1:${env.SYNAPSE_GATEWAY_PORT}`;
  });

  after(async () => {
    up.proc.kill("SIGTERM");
    await up.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("shows each step, its streamed text and a summary with the review rounds; exits 0", async () => {
    const { code, stdout, stderr } = await runCli(
      ["workflow", "Add a retry helper [sim:request-changes=1]"],
      env,
    );
    assert.equal(code, 0, stderr);
    const lines = stdout.split("\n");
    assert.match(lines[0] ?? "", /^run wf_[0-9a-f]{24} started$/);
    for (const step of [
      "plan (claude.plan)",
      "code (claude.code)",
      "review (gemini.review)",
      "code (claude.code) round 2",
      "execute (codex.execute)",
    ]) {
      assert.ok(lines.includes(`> ${step} started`), `${step} started:\n${stdout}`);
      assert.ok(
        lines.some((l) => l.startsWith(`ok ${step} finished in `) && l.endsWith(" s")),
        `${step} finished`,
      );
    }
    assert.match(stdout, /sim-revision: 1/, "the streamed code text is shown");
    assert.match(stdout, /^run wf_\S+ succeeded in \d+\.\d s — 6 step\(s\), review rounds: 1$/m);
    assert.match(stdout, /^ {2}step\s+agent\.action\s+round\s+status\s+time$/m);
    assert.match(stdout, /^ {2}code\s+claude\.code\s+2\s+succeeded\s+\d+\.\d s$/m);
  });

  test("--approval prints how to approve, waits, and finishes once approved", async () => {
    const cli = startProcess(
      [SYNAPSE_BIN, "workflow", "Rotate the logs", "--approval", "--no-text", "--url", url],
      env,
    );
    try {
      const hint = await cli.stdout.waitFor((l) => l.startsWith("waiting for approval"), "the approval hint");
      const approve = /curl -X POST (\S+\/approve)/.exec(hint)?.[1] ?? "";
      assert.match(approve, new RegExp(`^${url}/api/v1/workflow/wf_[0-9a-f]{24}/approve$`));
      assert.equal((await fetch(approve, { method: "POST" })).status, 200);
      const { code } = await cli.exited;
      assert.equal(code, 0, cli.stderr.text);
      assert.ok(cli.stdout.lines.some((l) => l.startsWith("ok execute (codex.execute) finished in ")));
      assert.ok(!cli.stdout.lines.some((l) => l.startsWith("## ")), "--no-text hides the streamed text");
    } finally {
      cli.killAll();
    }
  });

  test("a failed start, a rejected run and an unreachable gateway exit 1 with the reason", async () => {
    const unknown = await runCli(["workflow", "x", "--workflow", "nope"], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: NOT_FOUND: No workflow named "nope"/);

    const cli = startProcess(
      [SYNAPSE_BIN, "workflow", "Drop the table", "--approval", "--no-text", "--url", url],
      env,
    );
    const hint = await cli.stdout.waitFor((l) => l.startsWith("waiting for approval"), "the approval hint");
    const reject = /or (\S+\/reject)/.exec(hint)?.[1] ?? "";
    assert.equal((await fetch(reject, { method: "POST" })).status, 200);
    assert.equal((await cli.exited).code, 1);
    assert.match(
      cli.stderr.text,
      /^error: ABORTED: run wf_\S+ rejected: Run wf_\S+ was rejected before step "execute"/m,
    );
    assert.match(cli.stdout.text, /^run wf_\S+ rejected in/m);

    const down = await runCli(["workflow", "x", "--url", "http://127.0.0.1:9"], env);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^error: UNAVAILABLE: cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
  });
});
