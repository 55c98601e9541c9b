/**
 * A grpc.health.v1.Health client on an existing channel, so a health check shares the agent
 * client's connection (and tells the truth about it) instead of opening its own.
 */
import {
  type CallOptions,
  type Channel,
  type ClientUnaryCall,
  credentials,
  type Metadata,
  makeGenericClientConstructor,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";

/** proto-loader's shape of grpc.health.v1.HealthCheckResponse (enums as strings). */
export interface HealthCheckResponse {
  status: "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";
}

export interface HealthClient {
  check(
    request: { service: string },
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (err: ServiceError | null, response: HealthCheckResponse | undefined) => void,
  ): ClientUnaryCall;
}

const HealthClientConstructor = makeGenericClientConstructor(
  healthService as unknown as ServiceDefinition,
  "grpc.health.v1.Health",
);

export function createHealthClient(address: string, channel: Channel): HealthClient {
  return new HealthClientConstructor(address, credentials.createInsecure(), {
    channelOverride: channel,
  }) as unknown as HealthClient;
}
