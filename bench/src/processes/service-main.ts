// One agent service replica for the bench: `node service-main.js <agent> <replica>`, configured by
// SYNAPSE_* variables (the same code path as `synapse service`, without the CLI around it).
import { startServiceProcess } from "@synapse/service";

await startServiceProcess(process.argv[2] ?? "", Number(process.argv[3] ?? "0"));
