/**
 * The directories commands run in: one per run under a root (`<dataDir>/workspaces/<id>`),
 * created fresh and removed afterwards, or a named one a caller keeps across calls.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, realpathSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { SynapseError } from "@synapse/core";

export interface Workspace {
  /** Real absolute path. */
  path: string;
  /** True when this run created it and should remove it. */
  temporary: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class Workspaces {
  /** Real absolute path of the root. */
  readonly root: string;

  /** Creates `root` (and its parents) if missing. */
  constructor(root: string) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.root = realpathSync(root);
  }

  /** A fresh workspace, or the one called `name` (created if missing, never removed). */
  async open(name?: string): Promise<Workspace> {
    if (name === undefined) {
      const path = join(this.root, randomUUID());
      await mkdir(path, { mode: 0o700 });
      return { path, temporary: true };
    }
    if (!NAME.test(name) || name.includes("..")) {
      throw new SynapseError(
        "INVALID_ARGUMENT",
        `Workspace name "${name}" is not valid: use up to 128 letters, digits, ".", "_" or "-", starting with a letter or digit.`,
      );
    }
    const path = join(this.root, name);
    await mkdir(path, { recursive: true, mode: 0o700 });
    const real = realpathSync(path);
    if (real !== path) {
      throw new SynapseError(
        "FAILED_PRECONDITION",
        `Workspace "${name}" is not a plain directory; use another name.`,
      );
    }
    return { path: real, temporary: false };
  }

  /** Removes a temporary workspace; a failure is returned, not thrown, so it never hides a result. */
  async close(workspace: Workspace): Promise<unknown> {
    if (!workspace.temporary) return undefined;
    try {
      await rm(workspace.path, { recursive: true, force: true });
      return undefined;
    } catch (err) {
      return err;
    }
  }
}
