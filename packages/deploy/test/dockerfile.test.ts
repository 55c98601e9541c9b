import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AGENTS, BASE_PORTS, loadConfig, SETTINGS } from "@synapse/core";
import { envPairs, execForm, parseDockerfile, type Stage } from "./helpers/dockerfile.js";
import { readRepoFile, repoFileExists } from "./helpers/repo.js";

const dockerfile = parseDockerfile(readRepoFile("Dockerfile"));
const runtime = dockerfile.stages.at(-1) as Stage;
const args = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const settingEnvs = new Set(SETTINGS.map((s) => s.setting.env));

/** `.dockerignore` patterns as regular expressions over context paths (the subset used there). */
function ignored(path: string): boolean {
  const patterns = readRepoFile(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return patterns.some((p) => {
    const re = p
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*\*\//g, "\0")
      .replace(/\*/g, "[^/]*")
      .replace(/\0/g, "(?:.*/)?");
    return new RegExp(`^${re}(?:/.*)?$`).test(path);
  });
}

describe("Dockerfile", () => {
  test("multi-stage, with a small Node 20 runtime", () => {
    assert.ok(dockerfile.stages.length >= 2, "build and runtime stages");
    assert.equal(runtime.from, "node:20-bookworm-slim");
    assert.equal(runtime.name, "runtime");
  });

  test("the runtime runs as a non-root user, by number (Kubernetes' runAsNonRoot can verify it)", () => {
    const user = args(runtime, "USER").at(-1);
    assert.ok(user !== undefined, "USER in the runtime stage");
    const [uid] = user.split(":");
    assert.match(uid ?? "", /^\d+$/);
    assert.notEqual(Number(uid), 0);
  });

  test("one image for every role: the entrypoint is the synapse command, which exists", () => {
    const entrypoint = execForm(args(runtime, "ENTRYPOINT")[0] ?? "");
    const bin = entrypoint.find((a) => a.endsWith("synapse.js"));
    assert.equal(bin, "/app/packages/cli/bin/synapse.js");
    assert.ok(repoFileExists("packages/cli/bin/synapse.js"));
    assert.deepEqual(execForm(args(runtime, "CMD")[0] ?? ""), ["up"]);
    // The bin is copied with the compiled code, and the agents' shipped prompts with it.
    const build = dockerfile.stages.find((s) => s.name === "build") as Stage;
    const assemble = args(build, "RUN").join(" ");
    assert.match(assemble, /cp -r packages\/cli\/bin \/out\/packages\/cli\//);
    assert.match(assemble, /cp -r packages\/agents\/prompts \/out\/packages\/agents\//);
    assert.ok(repoFileExists("packages/agents/prompts"));
  });

  test("a HEALTHCHECK running the healthcheck script, which is copied in", () => {
    const healthcheck = args(runtime, "HEALTHCHECK")[0] ?? "";
    assert.match(healthcheck, /--interval=\d+s/);
    const command = execForm(healthcheck);
    assert.deepEqual(command, ["node", "/app/deploy/docker/healthcheck.mjs"]);
    assert.ok(args(runtime, "COPY").includes("deploy/docker/healthcheck.mjs deploy/docker/healthcheck.mjs"));
    assert.equal(args(runtime, "WORKDIR").at(-1), "/app");
    assert.ok(repoFileExists("deploy/docker/healthcheck.mjs"));
  });

  test("EXPOSE names the gateway's and every agent's base ports", () => {
    const exposed = new Set(args(runtime, "EXPOSE").flatMap((a) => a.split(/\s+/).map(Number)));
    const defaults = loadConfig({});
    const expected = [
      defaults.gateway.port,
      ...AGENTS.flatMap((a) => [BASE_PORTS[a].grpc, BASE_PORTS[a].tcp, BASE_PORTS[a].metrics]),
    ];
    assert.deepEqual([...exposed].sort(), expected.sort());
  });

  test("ENV binds every interface and holds only real settings", () => {
    const env = Object.fromEntries(args(runtime, "ENV").flatMap(envPairs));
    assert.equal(env.SYNAPSE_HOST, "0.0.0.0");
    for (const name of Object.keys(env).filter((k) => k.startsWith("SYNAPSE_"))) {
      assert.ok(settingEnvs.has(name), `${name} is not a setting`);
    }
    const config = loadConfig(env);
    assert.equal(config.dataDir, "/data");
    assert.ok(
      args(runtime, "RUN").some((r) => r.includes("chown 1000:1000 /data")),
      "/data belongs to the user",
    );
  });

  test("production dependencies only, installed without the prepare script, native module rebuilt", () => {
    const deps = dockerfile.stages.find((s) => s.name === "deps") as Stage;
    const install = args(deps, "RUN").join(" ");
    assert.match(install, /npm ci --omit=dev --ignore-scripts/);
    assert.match(install, /npm rebuild better-sqlite3/);
    const fromStages = args(runtime, "COPY")
      .filter((a) => a.startsWith("--from="))
      .map((a) => a.split(/\s+/));
    const nodeModules = fromStages.find((a) => a[1] === "/app/node_modules");
    assert.deepEqual(nodeModules?.[0], "--from=deps", "node_modules come from the production install");
    assert.ok(!fromStages.some((a) => a[0] === "--from=build" && a[1]?.includes("node_modules")));
  });

  test("every workspace's manifest is copied before npm ci, so the lock file matches", () => {
    const manifest = JSON.parse(readRepoFile("package.json")) as { workspaces: string[] };
    const toolchain = dockerfile.stages.find((s) => s.name === "toolchain") as Stage;
    const copies = new Set(args(toolchain, "COPY"));
    for (const ws of manifest.workspaces) {
      assert.ok(copies.has(`${ws}/package.json ${ws}/`), `COPY ${ws}/package.json`);
    }
  });

  test("every file copied from the context exists and is not excluded by .dockerignore", () => {
    assert.ok(ignored("packages/core/node_modules") && ignored("packages/core/dist/src/index.js"));
    assert.ok(ignored("packages/core/test/config.test.ts"));
    const sources = dockerfile.instructions
      .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from="))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    assert.ok(sources.length > 5);
    for (const source of sources) {
      assert.ok(repoFileExists(source), `${source} exists`);
      assert.ok(!ignored(source), `${source} is not excluded by .dockerignore`);
    }
  });
});
