import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { CommandExecutor, probeBwrap } from "../src/executor/index.js";
import { FakeClock, tempRoot, waitForFile } from "./executor-fixtures.js";

const root = tempRoot();
after(root.cleanup);
const workspaceRoot = join(root.dir, "workspaces");
const probe = probeBwrap();
const skipUnlessBwrap = (t: { skip: (message: string) => void }): boolean => {
  if (probe.usable) return false;
  t.skip(`bwrap is not usable here: ${probe.reason}`);
  return true;
};

// Prints "connected" or "blocked <code>" after trying the test's listening port.
const connectScript = (port: number) =>
  `require("net").connect(${port},"127.0.0.1").on("connect",()=>{console.log("connected");process.exit(0)}).on("error",(e)=>console.log("blocked",e.code))`;

describe("isolation choice", () => {
  test('"bwrap" when bubblewrap is missing fails at start with FAILED_PRECONDITION and how to install it', () => {
    assert.throws(
      () => new CommandExecutor({ workspaceRoot, isolation: "bwrap", bwrapPath: "/nonexistent/bwrap" }),
      (err) =>
        isSynapseError(err, "FAILED_PRECONDITION") &&
        err.message.includes("apt-get install bubblewrap") &&
        err.message.includes("SYNAPSE_CODEX_ISOLATION"),
    );
  });

  test('"auto" without a usable bubblewrap falls back to process isolation and logs why', async () => {
    const lines: string[] = [];
    const logger = { info: () => {}, warn: (_fields: object, msg: string) => void lines.push(msg) };
    const executor = new CommandExecutor({
      workspaceRoot,
      isolation: "auto",
      bwrapPath: "/nonexistent/bwrap",
      logger,
    });
    assert.equal(executor.isolation(), "process");
    assert.match(executor.isolationInfo().reason, /not installed/);
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /without bubblewrap: bubblewrap \(bwrap\) is not installed/);
    assert.equal((await executor.runAll(["true"])).isolation, "process");
  });

  test('"auto" picks bubblewrap when it works here, and every result says so', async (t) => {
    if (skipUnlessBwrap(t)) return;
    const executor = new CommandExecutor({ workspaceRoot, isolation: "auto" });
    assert.equal(executor.isolation(), "bwrap");
    const result = await executor.runAll(["echo in-sandbox"]);
    assert.equal(result.isolation, "bwrap");
    assert.equal(result.executed, true);
    assert.equal(result.commands[0]?.stdout, "in-sandbox\n");
  });
});

describe("inside bubblewrap", () => {
  let server: ReturnType<typeof createServer>;
  let port = 0;
  before(async () => {
    writeFileSync(join(root.dir, "secret"), "host secret\n");
    server = createServer((socket) => socket.end());
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  test("control: without bubblewrap the same command reaches the port", async () => {
    const executor = new CommandExecutor({ workspaceRoot, isolation: "process", allowedPrograms: ["node"] });
    assert.equal((await executor.run(["node", "-e", connectScript(port)])).stdout, "connected\n");
  });

  test("there is no network: connecting to a listening port on 127.0.0.1 fails", async (t) => {
    if (skipUnlessBwrap(t)) return;
    const executor = new CommandExecutor({ workspaceRoot, isolation: "bwrap", allowedPrograms: ["node"] });
    const report = await executor.run(["node", "-e", connectScript(port)]);
    assert.match(report.stdout, /^blocked /);
  });

  test("the system is read-only, the workspace writable, and the host's files out of sight", async (t) => {
    if (skipUnlessBwrap(t)) return;
    const executor = new CommandExecutor({ workspaceRoot, isolation: "bwrap", allowedPrograms: ["node"] });
    const script = `const fs=require("fs");
      const tryWrite=(p)=>{try{fs.writeFileSync(p,"x");return "ok"}catch(e){return e.code}};
      console.log(JSON.stringify({usr:tryWrite("/usr/x"),root:tryWrite("/x"),ws:tryWrite("out.txt"),
        tmp:tryWrite("/tmp/t"),secret:fs.existsSync(${JSON.stringify(join(root.dir, "secret"))}),
        etc:fs.readdirSync("/etc").includes("shadow")}))`;
    const report = await executor.run(["node", "-e", script], { workspace: "rw" });
    assert.equal(report.exitCode, 0, report.stderr);
    const seen = JSON.parse(report.stdout);
    assert.deepEqual(seen, { usr: "EROFS", root: "EROFS", ws: "ok", tmp: "ok", secret: false, etc: false });
    assert.equal(readFileSync(join(executor.workspaceRoot, "rw", "out.txt"), "utf8"), "x");
  });

  test("a timeout kills everything in the sandbox, grandchildren too", { timeout: 20_000 }, async (t) => {
    if (skipUnlessBwrap(t)) return;
    const clock = new FakeClock();
    const executor = new CommandExecutor({ workspaceRoot, isolation: "bwrap", allowShell: true, clock });
    const ws = join(executor.workspaceRoot, "kill");
    mkdirSync(ws, { recursive: true });
    // Pids inside the sandbox are its own, so they cannot be checked from here. Instead the
    // sleeps keep our output pipes open: the run can only end once every one of them has
    // exited, so a kill that missed the background sleep fails this test by its timeout.
    const running = executor.run("sleep 60 & touch started.tmp && mv started.tmp started; sleep 61", {
      workspace: "kill",
    });
    await waitForFile(ws, "started");
    clock.advance(30_000);
    const report = await running;
    assert.equal(report.killed, true);
    assert.equal(report.exitCode, null);
  });
});
