import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dashboardExpressions, readAlertRules, readDashboards } from "./helpers/dashboards.js";
import { labelValuesMetric, metricNames, promqlErrors, withoutGrafanaVariables } from "./helpers/promql.js";
import { readYamlDocuments } from "./helpers/repo.js";

const dashboards = readDashboards();
/** Grafana's reference to the dashboard's data source variable (literally `${datasource}`). */
const DATASOURCE_VARIABLE = ["$", "{datasource}"].join("");

describe("Grafana provisioning and dashboards (monitoring/grafana)", () => {
  test("one Prometheus data source, the one docker-compose runs", () => {
    const [file] = readYamlDocuments(
      "monitoring",
      "grafana",
      "provisioning",
      "datasources",
      "prometheus.yml",
    ) as [{ apiVersion: number; datasources: { type: string; url: string; isDefault: boolean }[] }];
    assert.equal(file.apiVersion, 1);
    assert.equal(file.datasources.length, 1);
    assert.equal(file.datasources[0]?.type, "prometheus");
    assert.equal(file.datasources[0]?.url, "http://prometheus:9090");
    assert.equal(file.datasources[0]?.isDefault, true);
  });

  test("dashboards: unique uids, unique panel ids, panels on the grid, every query on the data source variable", () => {
    assert.ok(dashboards.length >= 3);
    assert.equal(new Set(dashboards.map((d) => d.uid)).size, dashboards.length);
    for (const d of dashboards) {
      assert.ok(d.title.startsWith("Synapse / "), d.file);
      assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length, `${d.file}: panel ids`);
      assert.ok(
        d.templating.list.some((v) => v.name === "datasource" && v.type === "datasource"),
        d.file,
      );
      for (const p of d.panels) {
        assert.ok(
          p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24,
          `${d.file} "${p.title}" fits the grid`,
        );
        if (p.type === "row") continue;
        assert.ok((p.targets ?? []).length > 0, `${d.file} "${p.title}" has a query`);
        assert.equal(p.datasource?.uid, DATASOURCE_VARIABLE, `${d.file} "${p.title}"`);
        for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, DATASOURCE_VARIABLE);
      }
    }
  });

  test("every dashboard and rule expression is valid PromQL", () => {
    const all = [
      ...dashboardExpressions(),
      ...readAlertRules().map((r) => ({ where: `alerts.yml ${r.alert}`, expr: r.expr })),
    ];
    for (const { where, expr } of all) {
      assert.deepEqual(promqlErrors(withoutGrafanaVariables(expr)), [], `${where}: ${expr}`);
      assert.ok(metricNames(withoutGrafanaVariables(expr)).length > 0, `${where} reads a metric`);
    }
    assert.ok(promqlErrors("sum(rate(x[5m]").length > 0, "the check can fail");
    assert.deepEqual(metricNames('sum by (le) (rate(a_bucket{le="1"}[5m])) / on (x) b'), ["a_bucket", "b"]);
    for (const d of dashboards) {
      for (const v of d.templating.list.filter((v) => v.type === "query")) {
        const query = typeof v.query === "string" ? v.query : v.query.query;
        assert.ok(labelValuesMetric(query), `${d.file} variable ${v.name}: ${query}`);
      }
    }
  });

  test("the dashboards cover traffic, latency, overhead, replicas, breakers, retries, fallbacks, pools, streams, workflows and tokens", () => {
    const read = new Set(dashboardExpressions().flatMap((e) => metricNames(withoutGrafanaVariables(e.expr))));
    for (const metric of [
      "synapse_gateway_requests_total",
      "synapse_gateway_request_duration_seconds_bucket",
      "synapse_gateway_overhead_seconds_bucket",
      "synapse_gateway_replica_up",
      "synapse_gateway_breaker_state",
      "synapse_gateway_ejections_total",
      "synapse_gateway_retries_total",
      "synapse_gateway_fallbacks_total",
      "synapse_gateway_pool_connections",
      "synapse_gateway_active_streams",
      "synapse_gateway_stream_resumes_total",
      "synapse_workflow_runs_total",
      "synapse_workflow_step_duration_seconds_bucket",
      "synapse_gateway_tokens_total",
      "synapse_service_calls_total",
    ]) {
      assert.ok(read.has(metric), `a dashboard shows ${metric}`);
    }
  });
});
