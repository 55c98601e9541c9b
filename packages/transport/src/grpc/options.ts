/**
 * Channel and server options shared by the gRPC server and client. Built once per server or
 * client, never per call.
 */
import type { ChannelOptions } from "@grpc/grpc-js";

/** The default largest message, in bytes: 8 MiB, the same as the `grpc.maxMessageBytes` setting. */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Server options. Keepalive pings find dead peers (a crashed gateway, a dropped NAT entry) within
 * about a minute and a half, so their calls are cancelled and their handlers stop.
 *
 * Channelz stays on here although we serve no channelz admin service: grpc-js (1.14) tracks a
 * server's connections only when it is on, and `forceShutdown` cuts only the connections it
 * tracks, so with it off a handler that ignores the abort would outlive `close` (the shutdown
 * test "cut off after the grace" fails).
 */
export function serverOptions(maxMessageBytes: number): ChannelOptions {
  return {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
  };
}

/**
 * Client channel options.
 *
 * - `grpc.enable_retries: 0`: our own retry interceptor (gRFC A6, with pushback and throttling)
 *   retries every call; grpc-js's built-in transparent retries must stay off so that the two
 *   never multiply (5 × 5 attempts) and every attempt is seen by the breaker and the balancer.
 * - `grpc.use_local_subchannel_pool: 1`: each client owns its connection instead of sharing
 *   grpc-js's process-wide pool, so a connection pool of N clients really holds N connections
 *   and `close()` closes this client's connection only.
 * - Keepalive every 30 s (also without calls, so an idle pooled connection is known to be
 *   alive); a peer that does not answer within 10 s is dropped and reconnected.
 * - `grpc.enable_channelz: 0`: channelz keeps per-call counters and timestamps and a registry of
 *   every channel for the channelz admin service, which we do not serve; every call paid for it.
 */
export function clientOptions(maxMessageBytes: number): ChannelOptions {
  return {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.enable_retries": 0,
    "grpc.use_local_subchannel_pool": 1,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.enable_channelz": 0,
  };
}
