/**
 * Modules that only some deployments use — LangGraph (workflows), ioredis (shared state), pg
 * (Postgres workflows), pino-pretty (pretty logs) — are loaded when their feature is first used
 * or configured, not when a process starts: an idle gateway loaded ~20 MiB of them (LangGraph
 * with LangChain and LangSmith most of it) that most deployments never use. The cost is that a
 * missing or broken package shows up only then; these helpers turn it into one clear error,
 * thrown where the feature is used.
 */
import { createRequire } from "node:module";
import { SynapseError } from "./errors.js";

/** Loads `load()` (a dynamic `import()`), naming `feature` and the npm package `pkg` if it fails. */
export async function importFeature<T>(feature: string, pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw featureModuleError(feature, pkg, err);
  }
}

const require = createRequire(import.meta.url);

/**
 * Synchronous, for callers that cannot wait (a logger is created synchronously): `require`s the
 * CommonJS package `pkg` and returns it typed as `T` (use `typeof import("pkg")` for `T`).
 */
export function requireFeature<T>(feature: string, pkg: string): T {
  try {
    return require(pkg) as T;
  } catch (err) {
    throw featureModuleError(feature, pkg, err);
  }
}

/** FAILED_PRECONDITION saying what cannot be loaded and what to do; the module's own error (with its paths) stays in `cause`. */
export function featureModuleError(feature: string, pkg: string, err: unknown): SynapseError {
  const code = (err as { code?: unknown } | null)?.code;
  const missing = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
  return new SynapseError(
    "FAILED_PRECONDITION",
    missing
      ? `${feature} needs the npm package ${pkg}, which is not installed; install it (npm i ${pkg}).`
      : `${feature} needs the npm package ${pkg}, which failed to load; reinstall it (npm i ${pkg}).`,
    { cause: err },
  );
}
