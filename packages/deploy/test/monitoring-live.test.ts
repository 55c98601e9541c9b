import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RunningGateway } from "@synapse/gateway";
import { dashboardExpressions, readAlertRules, readDashboards } from "./helpers/dashboards.js";
import { TestPrometheus } from "./helpers/prometheus.js";
import { labelValuesMetric, metricNames, withoutGrafanaVariables } from "./helpers/promql.js";
import { post, TestSystem } from "./helpers/system.js";

/** Metric names Prometheus itself makes, not the system. */
const PROMETHEUS_OWN = new Set(["up"]);

/** The series names a Prometheus text exposition offers (histograms as _bucket, _sum and _count). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type) {
      const [, name = "", kind] = type;
      names.add(name);
      if (kind === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
      if (kind === "summary") for (const s of ["_sum", "_count"]) names.add(name + s);
    } else if (line !== "" && !line.startsWith("#")) {
      names.add(line.split(/[{\s]/)[0] ?? "");
    }
  }
  return names;
}

/** Every metric the dashboards (queries and variables) and the alert rules read, with where. */
function queriedMetrics(): Map<string, string> {
  const queried = new Map<string, string>();
  for (const { where, expr } of dashboardExpressions()) {
    for (const m of metricNames(withoutGrafanaVariables(expr))) queried.set(m, where);
  }
  for (const d of readDashboards()) {
    for (const v of d.templating.list.filter((v) => v.type === "query")) {
      const metric = labelValuesMetric(typeof v.query === "string" ? v.query : v.query.query);
      if (metric) queried.set(metric, `${d.file} variable ${v.name}`);
    }
  }
  for (const rule of readAlertRules()) {
    for (const m of metricNames(rule.expr)) queried.set(m, `alerts.yml ${rule.alert}`);
  }
  return queried;
}

describe("monitoring against a running system", () => {
  const system = new TestSystem();
  const prometheus = new TestPrometheus();
  let gateway: RunningGateway;

  before(async () => {
    await Promise.all([
      system.startService("claude"),
      system.startService("gemini"),
      system.startService("codex"),
    ]);
    gateway = await system.startGateway({ SYNAPSE_HEALTH_INTERVAL_MS: "200" });
    const calls: [string, Record<string, unknown>][] = [
      ["/api/v1/claude/plan", { task: "Build a todo CLI" }],
      ["/api/v1/claude/code", { task: "Write hello world" }],
      ["/api/v1/gemini/analyze", { text: "function f(x) { return eval(x) }" }],
      ["/api/v1/gemini/review", { code: "let x = 1" }],
      ["/api/v1/codex/execute", { command: "echo hi" }],
      ["/api/v1/claude/plan", { task: "Stream a plan", stream: true }],
      ["/api/v1/workflow", { task: "Add a --version flag", stream: true }],
    ];
    for (const [path, body] of calls) {
      const response = await post(gateway, path, body);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
    }
  });

  after(async () => {
    await prometheus.stop();
    await system.stop();
  });

  test("every metric a dashboard or an alert rule queries is one the running system exports", async () => {
    const urls = [
      `http://127.0.0.1:${gateway.port}/metrics`,
      ...system.services.map((s) => `http://127.0.0.1:${s.ports.metrics}/metrics`),
    ];
    const exported = new Set<string>();
    for (const url of urls) {
      for (const name of exportedNames(await (await fetch(url)).text())) exported.add(name);
    }
    assert.ok(exported.has("synapse_gateway_requests_total") && exported.has("synapse_service_calls_total"));
    const queried = queriedMetrics();
    assert.ok(queried.size > 20, `${queried.size} metrics queried`);
    const missing = [...queried].filter(([name]) => !exported.has(name) && !PROMETHEUS_OWN.has(name));
    assert.deepEqual(
      missing.map(([name, where]) => `${name} (${where})`),
      [],
      "queried but not exported",
    );
  });

  test("a real Prometheus scrapes the gateway and every service and finds the metrics with their labels", async () => {
    await prometheus.start({
      "synapse-gateway": [`127.0.0.1:${gateway.port}`],
      "synapse-services": system.services.map((s) => `127.0.0.1:${s.ports.metrics}`),
    });
    await prometheus.until("every target to be up", async () => {
      const { activeTargets } = await prometheus.api<{ activeTargets: { health: string }[] }>(
        "/api/v1/targets",
      );
      return activeTargets.length === 5 && activeTargets.every((t) => t.health === "up");
    });
    const has = async (promql: string) => (await prometheus.query(promql)).length > 0;
    const expected = [
      'synapse_gateway_requests_total{job="synapse-gateway", route="/api/v1/claude/plan", agent="claude", action="plan", status="200"} >= 2',
      'synapse_gateway_request_duration_seconds_bucket{route="/api/v1/gemini/review", agent="gemini", action="review", status="200", le="+Inf"} >= 1',
      'synapse_gateway_upstream_attempts_total{agent="codex", replica="codex#0", outcome="OK"} >= 1',
      'synapse_gateway_balancer_picks_total{agent="gemini", replica="gemini#0", strategy="least_response_time"} >= 1',
      'synapse_gateway_tokens_total{agent="claude", provider="sim", direction="output"} > 0',
      'synapse_gateway_replica_up{agent="claude", replica="claude#0"} == 1',
      'synapse_gateway_pool_connections{agent="gemini", replica="gemini#0", state="idle"}',
      'synapse_service_calls_total{job="synapse-services", agent="gemini", replica="0", kind="invoke", action="analyze", code="OK"} >= 1',
      'synapse_service_calls_total{agent="claude", replica="0", kind="stream", action="plan", code="OK"} >= 1',
      'synapse_service_info{agent="codex", replica="0", provider="sim"} == 1',
      'synapse_workflow_runs_total{job="synapse-gateway", workflow="default"} >= 1',
      'count(up{job="synapse-services"} == 1) == 3',
    ];
    // Gauges such as replica_up are refreshed every few seconds by the gateway, so allow for that.
    for (const promql of expected) await prometheus.until(promql, () => has(promql), 15_000);
  });

  test("Prometheus evaluates every alert rule and every dashboard query without an error", async () => {
    await prometheus.until("every rule to be evaluated", async () => {
      const { groups } = await prometheus.api<{ groups: { rules: { lastEvaluation: string }[] }[] }>(
        "/api/v1/rules",
      );
      const rules = groups.flatMap((g) => g.rules);
      return (
        rules.length === readAlertRules().length && rules.every((r) => !r.lastEvaluation.startsWith("0001"))
      );
    });
    const { groups } = await prometheus.api<{
      groups: { rules: { name: string; health: string; lastError?: string }[] }[];
    }>("/api/v1/rules");
    for (const rule of groups.flatMap((g) => g.rules)) {
      assert.equal(rule.health, "ok", `${rule.name}: ${rule.lastError ?? ""}`);
    }
    for (const { where, expr } of dashboardExpressions()) {
      await assert.doesNotReject(prometheus.query(withoutGrafanaVariables(expr)), where);
    }
    // A rate needs two samples in its window; poll until the scrapes have made them.
    const dashboardQuery = withoutGrafanaVariables(
      'sum by (route) (rate(synapse_gateway_requests_total{instance=~"$instance"}[$__rate_interval]))',
    );
    await prometheus.until("a dashboard query to return data", async () =>
      (await prometheus.query(dashboardQuery)).some((r) => r.metric.route === "/api/v1/claude/plan"),
    );
  });
});
