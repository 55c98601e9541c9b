/**
 * `synapse workflow` against a fake gateway (a plain HTTP server on a free port) for what a real
 * one does not do on demand: a connection cut in the middle of a run, and --follow of a run.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { runCli } from "./run-cli.js";

let server: Server;
let url: string;

const RUN = {
  id: "wf_1",
  workflow: "default",
  status: "succeeded",
  durationMs: 1500,
  rounds: {},
  steps: [{ step: "plan", agent: "claude", action: "plan", round: 1, status: "succeeded", durationMs: 1200 }],
};

function sse(res: ServerResponse, events: [string, unknown][]): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const [i, [event, data]] of events.entries()) {
    res.write(`id: wf_1:${i + 1}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}

before(async () => {
  server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/api/v1/workflow") {
      sse(res, [
        ["run_started", { type: "run_started", runId: "wf_1", workflow: "default" }],
        [
          "step_started",
          { type: "step_started", runId: "wf_1", step: "plan", agent: "claude", action: "plan", round: 1 },
        ],
        ["chunk", { type: "chunk", runId: "wf_1", step: "plan", seq: 1, text: "half a pl" }],
      ]);
      setImmediate(() => res.destroy()); // the gateway dies mid-run
    } else if (req.url === "/api/v1/workflow/wf_1/events") {
      sse(res, [
        ["run", { ...RUN, status: "running" }],
        [
          "step_finished",
          {
            type: "step_finished",
            runId: "wf_1",
            step: "plan",
            agent: "claude",
            action: "plan",
            round: 1,
            durationMs: 1200,
          },
        ],
        ["run_finished", { type: "run_finished", runId: "wf_1", status: "succeeded" }],
      ]);
      res.end();
    } else if (req.url === "/api/v1/workflow/wf_1") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(RUN));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("synapse workflow (fake gateway)", () => {
  test("a connection cut mid-run exits 1 and says how to follow the run", async () => {
    const { code, stdout, stderr } = await runCli(["workflow", "Plan it", "--url", url]);
    assert.equal(code, 1);
    assert.match(stdout, /^run wf_1 started\n> plan \(claude\.plan\) started\nhalf a pl\n$/);
    assert.match(
      stderr,
      /^error: UNAVAILABLE: lost the connection to the gateway while run wf_1 was in progress; .*synapse workflow --follow wf_1/,
    );
  });

  test("--follow shows a run's remaining progress and its summary", async () => {
    const { code, stdout, stderr } = await runCli(["workflow", "--follow", "wf_1", "--url", url]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^ok plan \(claude\.plan\) finished in 1\.2 s$/m);
    assert.match(stdout, /^run wf_1 succeeded in 1\.5 s — 1 step\(s\)$/m);
    assert.match(stdout, /^ {2}plan\s+claude\.plan\s+1\s+succeeded\s+1\.2 s$/m);
  });
});
