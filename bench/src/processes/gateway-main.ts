// The gateway as its own process for the bench (so its CPU and memory are its own), configured
// by SYNAPSE_* variables: the same code path as `synapse gateway`.
import { startGatewayProcess } from "@synapse/gateway";

await startGatewayProcess();
