/**
 * The gateway's state stores, chosen by `state.mode` (SYNAPSE_STATE):
 * - embedded (default): stream logs in SQLite under the data dir, the response cache and
 *   idempotency keys in this process's memory, rate limits per process. Zero setup, one gateway.
 * - shared: everything several gateways must agree on lives in the Redis at state.redisUrl
 *   (SYNAPSE_REDIS_URL): stream logs with their live tail (a stream started through one gateway
 *   resumes through any), the response cache, rate-limit counters and idempotency keys. One
 *   command connection serves them all; the live tail adds one blocking connection.
 * Workflow checkpoints and run history are not here: they follow `workflow.checkpointer`.
 */
import { join } from "node:path";
import { type Config, type Logger, SynapseError } from "@synapse/core";
import {
  type CheckpointStore,
  connectRedis,
  RedisCheckpointStore,
  type RedisClient,
  RedisResponseCache,
  type ResponseCacheStore,
  redisTarget,
  SqliteCheckpointStore,
} from "@synapse/resilience";
import { type Idempotency, IdempotencyStore } from "./idempotency.js";
import { RedisIdempotencyStore } from "./redis-idempotency.js";

export interface GatewayState {
  mode: Config["state"]["mode"];
  checkpointStore: CheckpointStore;
  idempotency: Idempotency;
  /** The fallback's cache when shared; undefined means the resilience chain's own LRU. */
  responseCache?: ResponseCacheStore;
  /** The shared Redis client (the rate limiter keeps its counters there); undefined when embedded. */
  redis?: RedisClient;
  /** Closes what the stores opened (call after the upstream has stopped writing). */
  close(): Promise<void>;
}

/** Opens the stores `config` asks for. Shared mode connects to Redis first and fails clearly if it cannot. */
export async function openGatewayState(config: Config, logger: Logger): Promise<GatewayState> {
  if (config.state.mode === "embedded") {
    const checkpointStore = new SqliteCheckpointStore({
      filename: join(config.dataDir, "streams.sqlite"),
      ttlMs: config.gateway.streamRetainMs,
    });
    return {
      mode: "embedded",
      checkpointStore,
      idempotency: new IdempotencyStore(config.gateway.idempotencyTtlMs),
      close: () => checkpointStore.close(),
    };
  }
  const url = config.state.redisUrl;
  if (url === "") {
    throw new SynapseError(
      "FAILED_PRECONDITION",
      "SYNAPSE_STATE=shared needs SYNAPSE_REDIS_URL (e.g. redis://127.0.0.1:6379); set it, or use SYNAPSE_STATE=embedded.",
    );
  }
  const redis = await connectRedisLogged(url, logger);
  const checkpointStore = new RedisCheckpointStore({ redis, ttlMs: config.gateway.streamRetainMs });
  logger.info({ redis: redisTarget(url) }, "shared state in Redis");
  return {
    mode: "shared",
    checkpointStore,
    idempotency: new RedisIdempotencyStore({
      redis,
      ttlMs: config.gateway.idempotencyTtlMs,
      pendingMs: config.gateway.timeoutMs,
    }),
    responseCache: new RedisResponseCache({ redis, ttlMs: config.resilience.fallbackCacheTtlMs }),
    redis,
    async close() {
      await checkpointStore.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Connects, logging an outage once when it starts and once when Redis is back (not every retry). */
async function connectRedisLogged(url: string, logger: Logger): Promise<RedisClient> {
  const target = redisTarget(url);
  let down = false;
  let redis: RedisClient;
  try {
    redis = await connectRedis(url, {
      onError: (err) => {
        if (down) return;
        down = true;
        logger.warn({ redis: target, err: err.message }, "lost the connection to Redis; reconnecting");
      },
    });
  } catch (err) {
    const error = SynapseError.from(err);
    throw new SynapseError(error.code, `${error.message} (SYNAPSE_REDIS_URL)`);
  }
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info({ redis: target }, "connected to Redis again");
  });
  return redis;
}
