/** The repository's deployment files, read from the working tree the tests were built in. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** The repository root (the tests run from packages/deploy/dist/test/…). */
export const REPO = new URL("../../../../../", import.meta.url).pathname.replace(/\/$/, "");

export function repoPath(...parts: string[]): string {
  return join(REPO, ...parts);
}

export function readRepoFile(...parts: string[]): string {
  return readFileSync(repoPath(...parts), "utf8");
}

export function repoFileExists(...parts: string[]): boolean {
  return existsSync(repoPath(...parts));
}

/** Every YAML document of a file, parsed; a syntax error fails with the file's name. */
export function readYamlDocuments(...parts: string[]): unknown[] {
  const docs = parseAllDocuments(readRepoFile(...parts));
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${parts.join("/")}: ${doc.errors[0]?.message}`);
    return doc.toJS() as unknown;
  });
}

/** The names of the files in a repository folder, sorted. */
export function listRepoDir(...parts: string[]): string[] {
  return readdirSync(repoPath(...parts)).sort();
}
