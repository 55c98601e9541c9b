#!/usr/bin/env node
// The `synapse` command. This shim is committed as plain JavaScript so npm can link the bin
// before the TypeScript is built; all the work is in ../dist/src/main.js.
const main = new URL("../dist/src/main.js", import.meta.url);
try {
  await import(main.href);
} catch (err) {
  // Only the missing build gets this hint; any other error is the program's own.
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes(main.pathname)) {
    console.error("synapse: the command is not built yet; run `npm run build` first.");
    process.exit(1);
  }
  throw err;
}
