/**
 * What the launcher runs (a ChildSpec per process) and the one message a child sends back over
 * IPC when it listens (`{type: "ready", agent, replica, ports}`).
 */

/** The ports a process listens on; services have grpc, tcp and metrics, the gateway http. */
export interface ListenPorts {
  grpc?: number;
  tcp?: number;
  metrics?: number;
  http?: number;
}

export interface ChildSpec {
  /** The process's name in logs and in the table, e.g. "claude#0". */
  name: string;
  /** Arguments after the node executable: node's own options (if any), the script, then its arguments. */
  args: readonly string[];
  /** Where the configuration says it will listen; replaced by what the child reports when ready. */
  ports?: ListenPorts;
  /** Stopped, and gone, before the others are asked to stop (a front end such as the gateway). */
  stopsFirst?: boolean;
}

export interface ReadyMessage {
  type: "ready";
  agent?: string;
  replica?: number;
  ports: ListenPorts;
}

const PORT_KEYS = ["grpc", "tcp", "metrics", "http"] as const;

/** The IPC message is the child's word, so it is checked before the launcher trusts it. */
export function parseReadyMessage(value: unknown): ReadyMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const msg = value as Record<string, unknown>;
  if (msg.type !== "ready") return undefined;
  const ports: ListenPorts = {};
  if (typeof msg.ports === "object" && msg.ports !== null) {
    const given = msg.ports as Record<string, unknown>;
    for (const key of PORT_KEYS) {
      const port = given[key];
      if (typeof port === "number" && Number.isInteger(port) && port > 0 && port < 65_536) ports[key] = port;
    }
  }
  return {
    type: "ready",
    ...(typeof msg.agent === "string" ? { agent: msg.agent } : {}),
    ...(typeof msg.replica === "number" ? { replica: msg.replica } : {}),
    ports,
  };
}
