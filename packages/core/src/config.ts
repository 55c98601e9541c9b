/**
 * The configuration schema: every setting with its default, environment variable and one-line
 * doc. Loaded once at start-up from an optional file (SYNAPSE_CONFIG, JSON or YAML, nested keys as
 * below) overlaid by SYNAPSE_* environment variables; invalid configuration stops start-up with a
 * message naming the setting and the reason.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { AgentName } from "./agents.js";
import { CODES } from "./errors.js";
import { DEFAULT_ALLOWED_PROGRAMS, DEFAULT_ENV_ALLOWLIST } from "./executor-defaults.js";
import { BASE_PORTS, MAX_REPLICAS } from "./ports.js";
import {
  bool,
  type ConfigOf,
  flattenSettings,
  int,
  list,
  listOf,
  num,
  oneOf,
  port,
  type Setting,
  type SettingTree,
  secret,
  str,
} from "./settings.js";
import { TRACING_SETTINGS } from "./tracing-settings.js";

const CODE_NAMES = CODES as unknown as readonly [string, ...string[]];

/**
 * Who answers an agent: the embedded simulator, a vendor API (through the AI SDK), an
 * OpenAI-compatible server (Ollama, vLLM, llama.cpp), the vendor's coding CLI, or `auto`: the
 * agent's vendor API when its key is set, else sim.
 */
export const PROVIDERS = [
  "sim",
  "auto",
  "anthropic",
  "google",
  "openai",
  "openai-compatible",
  "cli",
] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const TRANSPORTS = ["grpc", "tcp"] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export const BALANCERS = ["round_robin", "weighted", "least_connections", "least_response_time"] as const;
export type BalancerName = (typeof BALANCERS)[number];

function agentSettings(agent: AgentName) {
  const A = agent.toUpperCase();
  const base = BASE_PORTS[agent];
  return {
    provider: oneOf(PROVIDERS, "sim", `SYNAPSE_${A}_PROVIDER`, `Provider that answers for ${agent}.`),
    model: str("", `SYNAPSE_${A}_MODEL`, `Model name for ${agent}; empty means the provider's default.`),
    baseUrl: str(
      "",
      `SYNAPSE_${A}_BASE_URL`,
      `Base URL of ${agent}'s provider API (required for openai-compatible, e.g. http://127.0.0.1:11434/v1); empty means the vendor's.`,
    ),
    apiKeyEnv: str(
      "",
      `SYNAPSE_${A}_API_KEY_ENV`,
      `Name of an environment variable holding ${agent}'s API key (e.g. for an openai-compatible server); empty means the vendor's key variable.`,
    ),
    cliPath: str(
      "",
      `SYNAPSE_${A}_CLI_PATH`,
      `The vendor CLI the cli provider runs for ${agent}; empty means its usual name on PATH.`,
    ),
    cliTimeoutMs: int(
      600_000,
      `SYNAPSE_${A}_CLI_TIMEOUT_MS`,
      `cli: milliseconds before a run of ${agent}'s CLI is killed with its process group.`,
      1,
    ),
    priceInputPerMTok: num(
      0,
      `SYNAPSE_${A}_PRICE_INPUT_PER_MTOK`,
      `US dollars per million input tokens of ${agent}'s model, for the cost metric; 0 means unknown.`,
    ),
    priceOutputPerMTok: num(
      0,
      `SYNAPSE_${A}_PRICE_OUTPUT_PER_MTOK`,
      `US dollars per million output tokens of ${agent}'s model, for the cost metric; 0 means unknown.`,
    ),
    replicas: int(1, `SYNAPSE_${A}_REPLICAS`, `Replicas of ${agent} the launcher starts.`, 1, MAX_REPLICAS),
    grpcPort: port(
      base.grpc,
      `SYNAPSE_${A}_GRPC_PORT`,
      `gRPC port of ${agent} replica 0 (replica i adds 100·i).`,
    ),
    tcpPort: port(
      base.tcp,
      `SYNAPSE_${A}_TCP_PORT`,
      `JSON-RPC/TCP port of ${agent} replica 0 (replica i adds 100·i).`,
    ),
    metricsPort: port(
      base.metrics,
      `SYNAPSE_${A}_METRICS_PORT`,
      `Metrics/HTTP port of ${agent} replica 0 (replica i adds 100·i).`,
    ),
    balancer: oneOf(
      BALANCERS,
      "least_response_time",
      `SYNAPSE_${A}_BALANCER`,
      `How the gateway spreads ${agent} calls over replicas.`,
    ),
    weights: list(
      [],
      `SYNAPSE_${A}_WEIGHTS`,
      `Weights of ${agent}'s replicas for the weighted balancers, e.g. 5,1,1.`,
    ),
    endpoints: list(
      [],
      `SYNAPSE_${A}_ENDPOINTS`,
      `${agent} replicas the gateway calls, as host or host:grpcPort:tcpPort; empty means the local replicas.`,
    ),
    dns: str(
      "",
      `SYNAPSE_${A}_DNS`,
      `A DNS name whose A records are ${agent}'s replicas (Kubernetes headless service); overrides endpoints.`,
    ),
    sim: {
      ttftMs: int(80, `SYNAPSE_${A}_SIM_TTFT_MS`, `sim: milliseconds before ${agent}'s first token.`),
      tokensPerSecond: num(
        400,
        `SYNAPSE_${A}_SIM_TOKENS_PER_SECOND`,
        `sim: tokens per second ${agent} streams; 0 means as fast as possible.`,
      ),
      errorRate: num(
        0,
        `SYNAPSE_${A}_SIM_ERROR_RATE`,
        `sim: share of ${agent}'s calls that fail UNAVAILABLE (0–1).`,
        0,
        1,
      ),
      hangRate: num(
        0,
        `SYNAPSE_${A}_SIM_HANG_RATE`,
        `sim: share of ${agent}'s calls that never answer (0–1).`,
        0,
        1,
      ),
      crashAfter: int(
        0,
        `SYNAPSE_${A}_SIM_CRASH_AFTER`,
        `sim: ${agent}'s process exits abruptly on this call number; 0 never.`,
      ),
      dropAfterChunks: int(
        0,
        `SYNAPSE_${A}_SIM_DROP_AFTER_CHUNKS`,
        `sim: ${agent}'s streams are cut after this many chunks; 0 never.`,
      ),
      faultReplicas: str(
        "",
        `SYNAPSE_${A}_SIM_FAULT_REPLICAS`,
        `sim: comma-separated replica indexes the faults above apply to; empty means all.`,
      ),
    },
  };
}

export const CONFIG_SCHEMA = {
  host: str("127.0.0.1", "SYNAPSE_HOST", "Address every service and the gateway bind to."),
  dataDir: str("./.synapse", "SYNAPSE_DATA_DIR", "Directory for embedded state (SQLite, workspaces)."),
  state: {
    mode: oneOf(
      ["embedded", "shared"],
      "embedded",
      "SYNAPSE_STATE",
      "Where the gateway keeps stream logs, the response cache, rate limits and idempotency keys: embedded (this process, SQLite) or shared (Redis, for several gateways).",
    ),
    redisUrl: secret(
      "SYNAPSE_REDIS_URL",
      "Redis URL for shared state, e.g. redis://:password@host:6379/0 (rediss:// for TLS); required when SYNAPSE_STATE=shared.",
    ),
  },
  log: {
    level: oneOf(
      ["trace", "debug", "info", "warn", "error", "fatal", "silent"],
      "info",
      "SYNAPSE_LOG_LEVEL",
      "Lowest log level printed.",
    ),
    format: oneOf(
      ["auto", "pretty", "json"],
      "auto",
      "SYNAPSE_LOG_FORMAT",
      "Log format: pretty on a terminal and JSON otherwise when auto.",
    ),
  },
  promptsDir: str(
    "",
    "SYNAPSE_PROMPTS_DIR",
    "Directory of prompt files (<agent>-<action>.md) that override the shipped ones by name.",
  ),
  keys: {
    anthropic: secret("ANTHROPIC_API_KEY", "Anthropic API key (provider anthropic, and auto for claude)."),
    gemini: secret("GEMINI_API_KEY", "Gemini API key (provider google, and auto for gemini)."),
    google: secret("GOOGLE_API_KEY", "Google AI API key, used when GEMINI_API_KEY is not set."),
    openai: secret("OPENAI_API_KEY", "OpenAI API key (provider openai, and auto for codex)."),
  },
  service: {
    drainTimeoutMs: int(
      10_000,
      "SYNAPSE_DRAIN_TIMEOUT_MS",
      "On SIGTERM, how long in-flight calls may finish before they are cancelled.",
    ),
    streamRetainMs: int(
      300_000,
      "SYNAPSE_STREAM_RETAIN_MS",
      "How long a service keeps a finished stream for resume.",
    ),
  },
  jsonrpc: {
    maxLineBytes: int(
      1_048_576,
      "SYNAPSE_JSONRPC_MAX_LINE_BYTES",
      "Longest JSON-RPC line accepted; longer lines are refused and the connection closed.",
      64,
    ),
    idleTimeoutMs: int(
      60_000,
      "SYNAPSE_JSONRPC_IDLE_TIMEOUT_MS",
      "A JSON-RPC connection with nothing in flight that sends nothing for this long is closed.",
      100,
    ),
    maxConnections: int(1024, "SYNAPSE_JSONRPC_MAX_CONNECTIONS", "Open JSON-RPC connections per service.", 1),
    maxInFlight: int(
      256,
      "SYNAPSE_JSONRPC_MAX_IN_FLIGHT",
      "Requests in flight on one JSON-RPC connection; more are refused with RESOURCE_EXHAUSTED.",
      1,
    ),
  },
  grpc: {
    maxMessageBytes: int(
      8_388_608,
      "SYNAPSE_GRPC_MAX_MESSAGE_BYTES",
      "Largest gRPC message sent or received.",
      1024,
    ),
  },
  gateway: {
    port: port(8000, "SYNAPSE_GATEWAY_PORT", "HTTP port of the gateway (API, /metrics, /docs)."),
    transport: oneOf(
      TRANSPORTS,
      "tcp",
      "SYNAPSE_GATEWAY_TRANSPORT",
      "Transport the gateway uses to reach services: tcp (JSON-RPC, the cheaper per call in BENCHMARKS.md) or grpc.",
    ),
    resilience: oneOf(
      ["on", "off"],
      "on",
      "SYNAPSE_GATEWAY_RESILIENCE",
      "off sends each call to the balancer's pick with no retry, breaker, timeout or fallback (for benchmarks).",
    ),
    apiKeys: list(
      [],
      "SYNAPSE_API_KEYS",
      "API keys the gateway accepts as Bearer tokens; empty means no authentication.",
      true,
    ),
    rateLimitPerMinute: int(
      0,
      "SYNAPSE_RATE_LIMIT_PER_MINUTE",
      "Requests per minute per API key (or per client address without keys); 0 means unlimited.",
    ),
    bodyLimitBytes: int(
      1_048_576,
      "SYNAPSE_BODY_LIMIT_BYTES",
      "Largest request body the gateway accepts.",
      1024,
    ),
    corsOrigins: list([], "SYNAPSE_CORS_ORIGINS", "Origins allowed by CORS; empty means CORS is closed."),
    timeoutMs: int(
      120_000,
      "SYNAPSE_GATEWAY_TIMEOUT_MS",
      "Deadline of one gateway request across all attempts.",
      1,
    ),
    heartbeatMs: int(15_000, "SYNAPSE_SSE_HEARTBEAT_MS", "Interval of SSE heartbeat comments.", 100),
    streamRetainMs: int(
      600_000,
      "SYNAPSE_GATEWAY_STREAM_RETAIN_MS",
      "How long the gateway keeps a stream's checkpoints for resume after it ends.",
    ),
    poolMin: int(1, "SYNAPSE_POOL_MIN", "Connections the gateway keeps open to each replica.", 0),
    poolMax: int(4, "SYNAPSE_POOL_MAX", "Connections the gateway opens to one replica at most.", 1),
    poolStreamsPerConnection: int(
      100,
      "SYNAPSE_POOL_CALLS_PER_CONNECTION",
      "Calls sharing one pooled connection at most (HTTP/2 streams or JSON-RPC ids).",
      1,
    ),
    poolAcquireTimeoutMs: int(
      5_000,
      "SYNAPSE_POOL_ACQUIRE_TIMEOUT_MS",
      "How long a call waits for room in a full pool before RESOURCE_EXHAUSTED.",
      1,
    ),
    poolIdleTimeoutMs: int(
      60_000,
      "SYNAPSE_POOL_IDLE_TIMEOUT_MS",
      "Idle time after which a pooled connection above the minimum is closed.",
      100,
    ),
    healthIntervalMs: int(
      5_000,
      "SYNAPSE_HEALTH_INTERVAL_MS",
      "Interval of the gateway's active health checks.",
      100,
    ),
    idempotencyTtlMs: int(
      600_000,
      "SYNAPSE_IDEMPOTENCY_TTL_MS",
      "How long an Idempotency-Key stays attached to its stream or result.",
    ),
    heapGrowingPercent: int(
      30,
      "SYNAPSE_GATEWAY_HEAP_GROWING_PERCENT",
      "How far (%) V8's old generation may grow past its live size before a full collection; lower is less memory for more GC, 0 is V8's own dynamic factor.",
      0,
      400,
    ),
  },
  workflow: {
    maxConcurrentRuns: int(
      8,
      "SYNAPSE_WORKFLOW_MAX_CONCURRENT_RUNS",
      "Workflow runs executing at once in one gateway; more are refused with RESOURCE_EXHAUSTED (429).",
      1,
    ),
    maxSteps: int(
      50,
      "SYNAPSE_WORKFLOW_MAX_STEPS",
      "Step executions one workflow run may make, loop rounds included; the run fails past it.",
      1,
    ),
    maxReviewRounds: int(
      3,
      "SYNAPSE_WORKFLOW_MAX_REVIEW_ROUNDS",
      "Times a workflow loop (the review loop) may go back at most; custom maxRounds may not exceed it.",
      0,
      100,
    ),
    deadlineMs: int(
      1_800_000,
      "SYNAPSE_WORKFLOW_DEADLINE_MS",
      "Overall deadline of a workflow run in milliseconds, approval waits included; the run fails past it.",
      1,
    ),
    stepTimeoutMs: int(
      300_000,
      "SYNAPSE_WORKFLOW_STEP_TIMEOUT_MS",
      "Deadline of one workflow step's agent call in milliseconds, unless the step sets timeoutMs.",
      1,
    ),
    requireApproval: bool(
      false,
      "SYNAPSE_WORKFLOW_REQUIRE_APPROVAL",
      "Workflow runs wait for POST …/approve before each execute step (a run may also ask with approval: true).",
    ),
    checkpointer: oneOf(
      ["sqlite", "postgres"],
      "sqlite",
      "SYNAPSE_WORKFLOW_CHECKPOINTER",
      "Where workflow checkpoints and run history live: <dataDir>/workflows.sqlite, or Postgres.",
    ),
    postgresUrl: secret(
      "SYNAPSE_WORKFLOW_POSTGRES_URL",
      "Postgres connection URL for the postgres workflow checkpointer, e.g. postgres://user:pass@host:5432/db.",
    ),
    definitionsDir: str(
      "",
      "SYNAPSE_WORKFLOW_DEFINITIONS_DIR",
      "Directory of custom workflow definitions (*.yaml, *.yml, *.json) loaded at start-up; empty means none.",
    ),
    leaseMs: int(
      15_000,
      "SYNAPSE_WORKFLOW_LEASE_MS",
      "How long a gateway's claim on a workflow run lasts in milliseconds (renewed every third of it); another gateway resumes an unfinished run whose lease has lapsed.",
      300,
    ),
    takeoverIntervalMs: int(
      5_000,
      "SYNAPSE_WORKFLOW_TAKEOVER_INTERVAL_MS",
      "How often in milliseconds a gateway looks for unfinished workflow runs whose lease has lapsed (their gateway died) and resumes them.",
      50,
    ),
  },
  executor: {
    allowedPrograms: list(
      [...DEFAULT_ALLOWED_PROGRAMS],
      "SYNAPSE_CODEX_ALLOWED_PROGRAMS",
      "Programs codex execute may run (basenames); the default set cannot start other programs.",
    ),
    allowShell: bool(
      false,
      "SYNAPSE_CODEX_ALLOW_SHELL",
      "Lets codex run command lines with shell syntax through /bin/sh -c (use with bwrap isolation).",
    ),
    envAllowlist: list(
      [...DEFAULT_ENV_ALLOWLIST],
      "SYNAPSE_CODEX_ENV_ALLOWLIST",
      "Environment variables codex commands see; secrets never pass whatever this says.",
    ),
    timeoutMs: int(
      30_000,
      "SYNAPSE_CODEX_TIMEOUT_MS",
      "Milliseconds before a codex command's process group is killed.",
      1,
    ),
    outputCapBytes: int(
      65_536,
      "SYNAPSE_CODEX_OUTPUT_CAP_BYTES",
      "Bytes kept of each of a command's stdout and stderr; the rest is dropped and marked.",
      1,
    ),
    maxConcurrent: int(
      4,
      "SYNAPSE_CODEX_MAX_CONCURRENT",
      "Codex commands running at once; more wait in order.",
      1,
    ),
    maxWaiting: int(64, "SYNAPSE_CODEX_MAX_WAITING", "Codex commands allowed to wait; more are refused.", 0),
    isolation: oneOf(
      ["auto", "bwrap", "process"],
      "auto",
      "SYNAPSE_CODEX_ISOLATION",
      "Where codex commands run: bubblewrap (no network, read-only system), plain processes, or auto.",
    ),
    keepWorkspace: bool(
      false,
      "SYNAPSE_CODEX_KEEP_WORKSPACE",
      "Keep each run's workspace directory (for debugging).",
    ),
  },
  resilience: {
    breakerFailures: int(
      5,
      "SYNAPSE_BREAKER_CONSECUTIVE_FAILURES",
      "Consecutive failures that open a replica's circuit breaker.",
      1,
    ),
    breakerFailureRate: num(
      0.5,
      "SYNAPSE_BREAKER_FAILURE_RATE",
      "Failure share over the window that opens a breaker (0–1).",
      0,
      1,
    ),
    breakerMinimumCalls: int(
      20,
      "SYNAPSE_BREAKER_MINIMUM_CALLS",
      "Calls the window must hold before the rate counts.",
      1,
    ),
    breakerWindowMs: int(10_000, "SYNAPSE_BREAKER_WINDOW_MS", "Length of the breaker's sliding window.", 100),
    breakerOpenMs: int(
      5_000,
      "SYNAPSE_BREAKER_OPEN_MS",
      "First open period; it doubles each time it reopens.",
      1,
    ),
    breakerOpenMaxMs: int(60_000, "SYNAPSE_BREAKER_OPEN_MAX_MS", "Longest open period.", 1),
    breakerHalfOpenProbes: int(
      1,
      "SYNAPSE_BREAKER_HALF_OPEN_PROBES",
      "Probe calls a half-open breaker admits.",
      1,
    ),
    retryMaxAttempts: int(
      5,
      "SYNAPSE_RETRY_MAX_ATTEMPTS",
      "Attempts per call, the first included (at most 5).",
      1,
      5,
    ),
    retryInitialBackoffMs: int(
      100,
      "SYNAPSE_RETRY_INITIAL_BACKOFF_MS",
      "Delay before the first retry (±20 % jitter).",
      1,
    ),
    retryBackoffMultiplier: num(2, "SYNAPSE_RETRY_BACKOFF_MULTIPLIER", "Growth of the delay per retry.", 1),
    retryMaxBackoffMs: int(5_000, "SYNAPSE_RETRY_MAX_BACKOFF_MS", "Longest delay between retries.", 1),
    retryableCodes: listOf(
      CODE_NAMES,
      ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
      "SYNAPSE_RETRY_CODES",
      "Error codes that are retried.",
    ),
    retryMaxTokens: num(
      10,
      "SYNAPSE_RETRY_MAX_TOKENS",
      "Retry throttling bucket size; retries stop below half of it.",
      1,
    ),
    retryTokenRatio: num(
      0.1,
      "SYNAPSE_RETRY_TOKEN_RATIO",
      "Tokens a success gives back to the retry bucket.",
      0,
    ),
    timeoutDefaultMs: int(
      60_000,
      "SYNAPSE_TIMEOUT_DEFAULT_MS",
      "Attempt budget until enough latencies are seen.",
      1,
    ),
    timeoutFirstChunkMs: int(
      30_000,
      "SYNAPSE_TIMEOUT_FIRST_CHUNK_MS",
      "Stream budget to the first chunk until learned.",
      1,
    ),
    timeoutGapMs: int(30_000, "SYNAPSE_TIMEOUT_GAP_MS", "Stream budget between chunks until learned.", 1),
    timeoutFloorMs: int(1_000, "SYNAPSE_TIMEOUT_FLOOR_MS", "Shortest adaptive budget.", 1),
    timeoutCeilingMs: int(120_000, "SYNAPSE_TIMEOUT_CEILING_MS", "Longest adaptive budget.", 1),
    timeoutMinSamples: int(100, "SYNAPSE_TIMEOUT_MIN_SAMPLES", "Latencies seen before budgets adapt.", 1),
    fallbackActions: listOf(
      ["plan", "code", "analyze", "review"],
      ["plan", "code", "analyze", "review"],
      "SYNAPSE_FALLBACK_ACTIONS",
      "Actions that may answer from cache or rule when every attempt failed (never execute).",
    ),
    fallbackCacheTtlMs: int(
      600_000,
      "SYNAPSE_FALLBACK_CACHE_TTL_MS",
      "How long a good answer serves as a fallback.",
      0,
    ),
    fallbackCacheEntries: int(
      1_000,
      "SYNAPSE_FALLBACK_CACHE_ENTRIES",
      "Answers kept for fallback (least recently used go).",
      0,
    ),
    streamContinuations: int(
      3,
      "SYNAPSE_STREAM_MAX_CONTINUATIONS",
      "Times a broken stream is continued on another replica.",
      0,
    ),
  },
  client: {
    transport: oneOf(
      TRANSPORTS,
      "grpc",
      "SYNAPSE_CLIENT_TRANSPORT",
      "Transport `synapse call` uses by default.",
    ),
    timeoutMs: int(120_000, "SYNAPSE_CLIENT_TIMEOUT_MS", "Deadline of a `synapse call`.", 1),
  },
  launcher: {
    readyTimeoutMs: int(
      20_000,
      "SYNAPSE_READY_TIMEOUT_MS",
      "How long the launcher waits for a child to report healthy.",
      100,
    ),
    restartInitialMs: int(
      250,
      "SYNAPSE_RESTART_INITIAL_MS",
      "First delay before a crashed child is restarted.",
    ),
    restartMaxMs: int(
      10_000,
      "SYNAPSE_RESTART_MAX_MS",
      "Longest delay between restarts of a crashing child.",
    ),
  },
  tracing: TRACING_SETTINGS,
  claude: agentSettings("claude"),
  gemini: agentSettings("gemini"),
  codex: agentSettings("codex"),
} satisfies SettingTree;

export type Config = ConfigOf<typeof CONFIG_SCHEMA>;
export type AgentConfig = Config[AgentName];

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Every setting with its dotted path, environment variable, default and doc (for docs and `synapse config`). */
export const SETTINGS = flattenSettings(CONFIG_SCHEMA);

type Env = Record<string, string | undefined>;

/**
 * Reads the configuration: defaults, then the file named by SYNAPSE_CONFIG (if any), then
 * SYNAPSE_* variables. Throws ConfigError naming every invalid setting.
 */
export function loadConfig(env: Env = process.env, overrides: Record<string, unknown> = {}): Config {
  const file = env.SYNAPSE_CONFIG ? readConfigFile(env.SYNAPSE_CONFIG) : {};
  const known = new Set(SETTINGS.map((s) => s.setting.env));
  const unknownEnv = Object.keys(env).filter(
    (k) => k.startsWith("SYNAPSE_") && k !== "SYNAPSE_CONFIG" && !known.has(k) && !INTERNAL_ENV.has(k),
  );
  const problems: string[] = unknownEnv.map((k) => `${k}: not a setting (see \`synapse config --all\`)`);
  const out: Record<string, unknown> = {};
  for (const { path, setting } of SETTINGS) {
    let value: unknown = setting.default;
    let source = "default";
    const fromFile = getPath(file, path);
    if (fromFile !== undefined) {
      value = fromFile;
      source = `${env.SYNAPSE_CONFIG} (${path})`;
    }
    const raw = env[setting.env];
    if (raw !== undefined && raw !== "") {
      value = setting.fromEnv(raw);
      source = setting.env;
    }
    if (Object.hasOwn(overrides, path)) {
      value = overrides[path];
      source = path;
    }
    const parsed = setting.schema.safeParse(value);
    if (parsed.success) {
      setPath(out, path, parsed.data);
    } else {
      // Show what the user wrote: the variable's text, not the number it failed to become.
      const written = source === setting.env ? raw : value;
      const shown = setting.secret ? "(secret)" : JSON.stringify(written);
      problems.push(`${source === "default" ? path : source} = ${shown}: ${parsed.error.issues[0]?.message}`);
    }
  }
  for (const path of unknownPaths(file, CONFIG_SCHEMA)) {
    problems.push(`${env.SYNAPSE_CONFIG}: "${path}" is not a setting`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  }
  return out as Config;
}

/** Variables the processes pass to their children; not user settings. */
const INTERNAL_ENV = new Set(["SYNAPSE_PROCESS_NAME"]);

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      `Invalid configuration: SYNAPSE_CONFIG=${path}: cannot read (${(err as Error).message})`,
    );
  }
  try {
    const parsed: unknown = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== "object" || Array.isArray(parsed))
      throw new Error("expected a mapping of settings");
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`Invalid configuration: SYNAPSE_CONFIG=${path}: ${(err as Error).message}`);
  }
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let node: unknown = obj;
  for (const key of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

function unknownPaths(obj: Record<string, unknown>, tree: SettingTree, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const node = tree[key];
    if (node === undefined) return [path];
    if ((node as Setting<unknown>).kind === "setting") return [];
    if (typeof value !== "object" || value === null) return [path];
    return unknownPaths(value as Record<string, unknown>, node as SettingTree, path);
  });
}

/** The effective configuration as rows, with secrets masked, for `synapse config`. */
export function describeConfig(config: Config): { path: string; env: string; value: string; doc: string }[] {
  return SETTINGS.map(({ path, setting }) => {
    const value = getPath(config as unknown as Record<string, unknown>, path);
    return {
      path,
      env: setting.env,
      value: setting.secret ? maskSecret(value) : JSON.stringify(value),
      doc: setting.doc,
    };
  });
}

/** "(not set)" for empty, otherwise a fixed mask that shows nothing of the value. */
export function maskSecret(value: unknown): string {
  if (value === "" || value === undefined || (Array.isArray(value) && value.length === 0)) return "(not set)";
  return Array.isArray(value) ? `[${value.map(() => '"********"').join(", ")}]` : '"********"';
}

/** The agents whose settings say replica `replica` gets the sim faults. */
export function simFaultsApply(agent: AgentConfig, replica: number): boolean {
  const list = agent.sim.faultReplicas.trim();
  if (list === "") return true;
  return list
    .split(",")
    .map((s) => Number(s.trim()))
    .includes(replica);
}
