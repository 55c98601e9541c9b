/** The table `synapse up` prints once everything listens: process, pid and where to reach it. */
import { formatTable } from "../text-table.js";
import type { ChildStatus } from "./supervised-child.js";

/** One row per child; "-" where a process has no such port. `host` is the configured bind address. */
export function formatReadyTable(children: readonly ChildStatus[], bindHost: string): string {
  const host = bindHost.includes(":") ? `[${bindHost}]` : bindHost;
  const at = (port: number | undefined) => (port === undefined ? "-" : `${host}:${port}`);
  const url = (port: number | undefined, path: string) =>
    port === undefined ? "-" : `http://${host}:${port}${path}`;
  const rows = children.map(({ name, pid, ports }) => {
    const http = ports.metrics ?? ports.http;
    return [
      name,
      String(pid ?? "-"),
      at(ports.grpc),
      at(ports.tcp),
      url(http, "/metrics"),
      url(http, "/health"),
    ];
  });
  return formatTable(["process", "pid", "gRPC", "JSON-RPC/TCP", "metrics", "health"], rows);
}
