/** Entry point of the `synapse` command (bin/synapse.js imports this). */
import { createProgram } from "./program.js";
import { reportError } from "./report-error.js";

// Output piped into something that stopped reading (`synapse call … | head`) ends the command
// quietly, as it does for other command-line tools, instead of crashing on EPIPE.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

try {
  await createProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err, process.stderr);
}
