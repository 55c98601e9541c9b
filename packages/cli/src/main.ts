/** Entry point of the `synapse` command (bin/synapse.js imports this). */
import { createProgram } from "./program.js";
import { reportError } from "./report-error.js";

try {
  await createProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err, process.stderr);
}
