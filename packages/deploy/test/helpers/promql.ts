/**
 * PromQL as the dashboards and rules write it: the metric names an expression reads, found with
 * the Prometheus project's own PromQL grammar (@prometheus-io/lezer-promql, the one its UI uses),
 * and Grafana's variables replaced so an expression can be parsed or sent to Prometheus.
 */
import { parser } from "@prometheus-io/lezer-promql";

/** Grafana's interval variables become 1m, every other variable matches anything. */
export function withoutGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "1m")
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)/g, ".*");
}

/** Syntax errors of an expression (empty when it parses). */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: ${expr.slice(node.from, node.from + 20)}`);
    },
  });
  return errors;
}

/** The metric names an expression selects (the identifier of each vector selector). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name !== "VectorSelector") return;
      const identifier = node.node.getChild("Identifier");
      if (identifier) names.add(expr.slice(identifier.from, identifier.to));
    },
  });
  return [...names];
}

/** The metric a Grafana `label_values(metric, label)` variable query reads. */
export function labelValuesMetric(query: string): string | undefined {
  return /^label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(query.trim())?.[1];
}
