/**
 * A throwaway PostgreSQL for tests: initdb into a temporary directory, pg_ctl start on 127.0.0.1 and
 * a free port, `stop()` ends it and deletes everything. Uses Debian's `postgresql` package
 * (/usr/lib/postgresql/<version>/bin); as root it runs the server as the `postgres` user, since
 * PostgreSQL refuses to run as root. Without the binaries `startPostgres` says why, for a counted skip.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "@synapse/testkit";

const run = promisify(execFile);

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

function binDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

/** Why the Postgres tests cannot run here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  return binDir() === undefined
    ? "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    : undefined;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  if (bin === undefined) throw new Error(postgresMissing());
  const dir = mkdtempSync(join(tmpdir(), "synapse-pg-"));
  const asRoot = process.getuid?.() === 0;
  const exec = async (program: string, args: string[]) => {
    const file = join(bin, program);
    return asRoot ? run("runuser", ["-u", "postgres", "--", file, ...args]) : run(file, args);
  };
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, "data");
  await exec("initdb", ["-D", data, "-A", "trust", "-U", "synapse", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  await exec("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "30", "start"]);
  return {
    url: `postgres://synapse@127.0.0.1:${port}/postgres`,
    async stop() {
      await exec("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
