/**
 * Where a stream log lives in Redis, and the Lua scripts that change it.
 *
 * Layout, under a prefix (default "synapse:"):
 * - `stream:<id>` — a Redis Stream. Chunk `seq` is the entry with id `<seq>-0` and field `t`
 *   (its text); the end is one entry `<lastSeq>-1` with field `final` or `failure` (JSON).
 * - `stream-meta:<id>` — a hash: `updatedAt` (epoch ms of the last write), `lastSeq`, and
 *   `final` / `failure` once closed. Reads answer from it without scanning the log.
 * - `streams` — a sorted set of stream ids scored by `updatedAt`, so expired logs are found
 *   without scanning the keyspace.
 *
 * Why seq is the entry id rather than a field: XRANGE from `<afterSeq + 1>-0` is exactly "the
 * chunks after afterSeq" with no index of our own; a live reader's position is just the last id
 * it saw; and Redis itself refuses an id that does not grow, a second guard behind the script's
 * seq check. The end entry's `-1` sorts right after the last chunk, so readers see it last.
 *
 * Each write is one script: it checks the log is there, unexpired (by the caller's clock, so
 * tests are exact) and open, checks the seq, writes, and refreshes the TTL (PEXPIRE on both keys)
 * atomically, so two gateways can neither both create one id nor interleave a gap. Scripts name
 * every key they touch; the index key makes them single-instance Redis (or a primary with
 * replicas), not Redis Cluster.
 */
import type { Redis } from "ioredis";

export class RedisStreamKeys {
  constructor(readonly prefix: string) {}

  log(streamId: string): string {
    return `${this.prefix}stream:${streamId}`;
  }

  meta(streamId: string): string {
    return `${this.prefix}stream-meta:${streamId}`;
  }

  get index(): string {
    return `${this.prefix}streams`;
  }
}

/** A script's verdict: "OK", or why the write was refused (with the log's last seq for "SEQ"). */
export type ScriptReply = ["OK" | "EXISTS" | "NOT_FOUND" | "CLOSED" | "SEQ", number];

// KEYS: meta, log, index. ARGV: now, ttlMs, pexpireMs, streamId.
const CREATE = `
local updated = redis.call('HGET', KEYS[1], 'updatedAt')
if updated and tonumber(ARGV[1]) - tonumber(updated) <= tonumber(ARGV[2]) then
  return {'EXISTS', 0}
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1], 'lastSeq', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[4])
return {'OK', 0}
`;

// The checks every write starts with; leaves the meta fields in m.
const OPEN_LOG = `
local m = redis.call('HMGET', KEYS[1], 'updatedAt', 'lastSeq', 'closed')
if not m[1] or tonumber(ARGV[1]) - tonumber(m[1]) > tonumber(ARGV[2]) then
  return {'NOT_FOUND', 0}
end
if m[3] then
  return {'CLOSED', tonumber(m[2])}
end
`;

const TOUCH = `
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[4])
`;

// KEYS: meta, log, index. ARGV: now, ttlMs, pexpireMs, streamId, seq, text.
const APPEND = `${OPEN_LOG}
local last = tonumber(m[2])
if tonumber(ARGV[5]) ~= last + 1 then
  return {'SEQ', last}
end
redis.call('XADD', KEYS[2], ARGV[5] .. '-0', 't', ARGV[6])
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1], 'lastSeq', ARGV[5])
${TOUCH}
return {'OK', last + 1}
`;

// KEYS: meta, log, index. ARGV: now, ttlMs, pexpireMs, streamId, field ("final" | "failure"), json.
const CLOSE = `${OPEN_LOG}
redis.call('XADD', KEYS[2], m[2] .. '-1', ARGV[5], ARGV[6])
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1], ARGV[5], ARGV[6], 'closed', '1')
${TOUCH}
return {'OK', tonumber(m[2])}
`;

type Script = (...args: (string | number)[]) => Promise<ScriptReply>;

/** The scripts as commands of one client (EVALSHA, loading the script when Redis lacks it). */
export interface StreamScripts {
  create: Script;
  append: Script;
  close: Script;
}

const COMMANDS = {
  synapseStreamCreate: CREATE,
  synapseStreamAppend: APPEND,
  synapseStreamClose: CLOSE,
} as const;

export function streamScripts(redis: Redis): StreamScripts {
  const commands = redis as unknown as Record<keyof typeof COMMANDS, Script | undefined>;
  for (const [name, lua] of Object.entries(COMMANDS)) {
    // The client may be shared by several stores; define each command once.
    if (commands[name as keyof typeof COMMANDS] === undefined)
      redis.defineCommand(name, { numberOfKeys: 3, lua });
  }
  const bind = (name: keyof typeof COMMANDS): Script => {
    const command = commands[name] as Script;
    return (...args) => command.apply(redis, args);
  };
  return {
    create: bind("synapseStreamCreate"),
    append: bind("synapseStreamAppend"),
    close: bind("synapseStreamClose"),
  };
}
