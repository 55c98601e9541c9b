/** A vendor CLI's failure as a SynapseError, from the status it reports or the words it uses. */
import { type Code, SynapseError } from "@synapse/core";
import { codeForHttpStatus, scrub } from "../http-errors.js";
import type { CliVendor } from "./cli-vendors.js";

const PATTERNS: [RegExp, Code][] = [
  [
    /not logged in|log ?in|\/login|api key|unauthori[sz]ed|\b401\b|authenticat|credential|auth method/i,
    "UNAUTHENTICATED",
  ],
  [/\b403\b|forbidden|permission denied/i, "PERMISSION_DENIED"],
  [/rate.?limit|\b429\b|quota|usage limit|too many requests/i, "RESOURCE_EXHAUSTED"],
  [/overloaded|\b529\b|\b50[0234]\b|unavailable|timed? ?out|network|ECONN|disconnected/i, "UNAVAILABLE"],
];

/** The error for a failed run: `status` (an HTTP status the CLI reports) decides, else its words. */
export function cliFailure(
  vendor: CliVendor,
  message: string,
  status: number | undefined,
  secrets: readonly string[],
): SynapseError {
  const said = scrub(message, secrets, 500);
  const code =
    status !== undefined && status >= 400
      ? codeForHttpStatus(status)
      : (PATTERNS.find(([re]) => re.test(message))?.[1] ?? "UNKNOWN");
  const name = `The ${vendor.command} CLI`;
  switch (code) {
    case "UNAUTHENTICATED":
      return new SynapseError(
        code,
        `${name} is not logged in or its credentials were refused: ${said} (${vendor.loginHint}).`,
      );
    case "RESOURCE_EXHAUSTED":
    case "UNAVAILABLE":
      return new SynapseError(code, `${name} failed: ${said}; retry later.`);
    default:
      return new SynapseError(code, `${name} failed: ${said}`);
  }
}

/** The error for a CLI that could not be started (`err` from spawn). */
export function spawnFailure(
  vendor: CliVendor,
  path: string,
  pathEnv: string,
  err: NodeJS.ErrnoException,
): SynapseError {
  const onPath = path === vendor.command;
  switch (err.code) {
    case "ENOENT":
      return new SynapseError(
        "FAILED_PRECONDITION",
        onPath
          ? `${vendor.command} CLI not found on PATH; install it or set ${pathEnv}`
          : `${vendor.command} CLI not found at ${path}; install it or fix ${pathEnv}`,
        { cause: err },
      );
    case "EACCES":
      return new SynapseError(
        "FAILED_PRECONDITION",
        `The ${vendor.command} CLI at ${path} cannot be run (permission denied); make it executable or fix ${pathEnv}.`,
        { cause: err },
      );
    case "E2BIG":
      return new SynapseError(
        "INVALID_ARGUMENT",
        `The input is too long to pass to the ${vendor.command} CLI on its command line; shorten it or use an API provider.`,
        { cause: err },
      );
    default:
      return new SynapseError(
        "UNAVAILABLE",
        `The ${vendor.command} CLI could not be started (${err.code ?? "error"}); retry.`,
        {
          cause: err,
        },
      );
  }
}
