/**
 * A grpc.health.v1.Health client on an existing channel, so a health check shares the agent
 * client's connection (and tells the truth about it) instead of opening its own.
 *
 * The client is generated from health.proto like the agent contract (scripts/gen-proto.sh), not
 * taken from grpc-health-check: that package parses health.proto when it is loaded, with
 * proto-loader and protobufjs, which cost a process that only probes replicas (the gateway)
 * ~1.6 MiB of heap. The servers keep grpc-health-check's implementation (health.ts).
 */
import { type Channel, credentials } from "@grpc/grpc-js";
import {
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  HealthClient,
} from "../generated/health/v1/health.js";

export { type HealthCheckResponse, HealthCheckResponse_ServingStatus, HealthClient };

export function createHealthClient(address: string, channel: Channel): HealthClient {
  return new HealthClient(address, credentials.createInsecure(), { channelOverride: channel });
}
