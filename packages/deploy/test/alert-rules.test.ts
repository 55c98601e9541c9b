import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { requireBinary, run } from "./helpers/binaries.js";
import { readAlertRules } from "./helpers/dashboards.js";
import { readYamlDocuments, repoPath } from "./helpers/repo.js";

const promtool = () => requireBinary("promtool", "prometheus");

describe("Prometheus configuration and alert rules (monitoring/)", () => {
  test("promtool accepts prometheus.yml and alerts.yml", () => {
    const config = run(promtool(), ["check", "config", repoPath("monitoring", "prometheus.yml")]);
    assert.equal(config.status, 0, config.stdout + config.stderr);
    const rules = run(promtool(), ["check", "rules", repoPath("monitoring", "alerts.yml")]);
    assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  });

  test("the alert unit tests pass (promtool test rules)", () => {
    const result = run(promtool(), ["test", "rules", repoPath("monitoring", "alerts.test.yml")]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  test("the alerts the issue names exist, each with a severity, a summary, a description and a firing test", () => {
    const rules = readAlertRules();
    const names = rules.map((r) => r.alert);
    for (const wanted of [
      "SynapseBreakerOpenTooLong",
      "SynapseHighErrorRatio",
      "SynapseLatencyP99High",
      "SynapseReplicaEjected",
      "SynapseWorkflowsFailing",
    ]) {
      assert.ok(names.includes(wanted), wanted);
    }
    const [tests] = readYamlDocuments("monitoring", "alerts.test.yml") as [
      { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] },
    ];
    const fired = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    for (const rule of rules) {
      assert.match(rule.labels?.severity ?? "", /^(critical|warning|info)$/, `${rule.alert} severity`);
      assert.ok(rule.annotations?.summary && rule.annotations.description, `${rule.alert} annotations`);
      assert.ok(fired.has(rule.alert), `${rule.alert} has a test in which it fires`);
    }
  });

  test("scrape jobs are the ones the rules and dashboards name", () => {
    const [config] = readYamlDocuments("monitoring", "prometheus.yml") as [
      { rule_files: string[]; scrape_configs: { job_name: string }[] },
    ];
    assert.deepEqual(config.rule_files, ["alerts.yml"]);
    const jobs = config.scrape_configs.map((s) => s.job_name);
    assert.ok(jobs.includes("synapse-gateway") && jobs.includes("synapse-services"));
    for (const rule of readAlertRules()) {
      for (const [, job] of rule.expr.matchAll(/job=~?"([^"]+)"/g)) {
        assert.ok(
          jobs.some((j) => new RegExp(`^(?:${job})$`).test(j)),
          `${rule.alert}: job "${job}" is scraped`,
        );
      }
    }
  });
});
